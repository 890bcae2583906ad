// Socket.IO 4 peer for the PACTA benchmarks (bench/run.sh starts it).
//
// https on 127.0.0.1 with the bench's dev certificate, websocket transport
// only (the load generator speaks Engine.IO v4 over a plain websocket, no
// polling upgrade), no compression (none of the three servers compresses).
// Every "pub" message is rebroadcast as "msg" to every connected client
// except the publishers (they connect with ?role=pub), so each server in
// the comparison does exactly N deliveries per published message.
//
// Usage: node server.js PORT CERT KEY   (prints "listening PORT" when ready)
'use strict';
const fs = require('fs');
const https = require('https');
const { Server } = require('socket.io');

const [port, cert, key] = process.argv.slice(2);
const httpsServer = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) });
const io = new Server(httpsServer, {
  transports: ['websocket'],
  perMessageDeflate: false,
  maxHttpBufferSize: 1e6,
});

io.on('connection', (socket) => {
  // publishers connect with ?role=pub and are not subscribers
  if (socket.handshake.query.role !== 'pub') socket.join('subs');
  socket.on('pub', (payload) => {
    io.to('subs').emit('msg', payload);
  });
});

httpsServer.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening ${httpsServer.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
