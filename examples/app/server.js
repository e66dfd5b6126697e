// The example service: answers every request with a short text.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8080);

if (process.argv.includes('--check')) {
  const response = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
  process.exit(response?.ok ? 0 : 1);
}

createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end('hello from the imagegate example\n');
}).listen(port);
