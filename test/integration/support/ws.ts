/** A WebSocket client for tests: every message of a batch's stream until the server closes it. */
import WebSocket from 'ws';

export interface WsRead {
  messages: any[];
  closeCode: number;
}

/** Reads until the server closes; past `timeoutMs` the socket is cut (close code 1006). */
export function readWs(url: string, timeoutMs = 30_000): Promise<WsRead> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const messages: any[] = [];
    const timer = setTimeout(() => socket.terminate(), timeoutMs);
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    socket.on('close', (code) => {
      clearTimeout(timer);
      resolve({ messages, closeCode: code });
    });
    socket.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`refused: ${res.statusCode}`), { status: res.statusCode }));
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
