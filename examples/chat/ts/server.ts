// The chat server, in TypeScript: hosts example.chat (chat.interop). post() answers with the
// message and publishes message_posted; more than 3 posts in 10 s are refused with RateLimited.
//   node --import tsx ts/server.ts        (prints the address it listens on)
import { Node } from '@interop/runtime';
import { ChatModule, ChatPublisher, Mood, RateLimited, type ChatHandlers, type Message } from './gen/example.chat.js';

const LIMIT = 3;
const WINDOW_MS = 10_000;
const recent: number[] = []; // when the posts of the last WINDOW_MS were accepted
let nextId = 1n;
let events: ChatPublisher | undefined; // set once the node is up

const chat: ChatHandlers = {
  post(text) {
    const now = Date.now();
    while (recent.length > 0 && recent[0]! <= now - WINDOW_MS) recent.shift();
    if (recent.length >= LIMIT) {
      throw new RateLimited({ retryAfterMs: recent[0]! + WINDOW_MS - now }, `at most ${LIMIT} messages in ${WINDOW_MS / 1000} s`);
    }
    recent.push(now);
    const message: Message = { id: nextId++, text, mood: text.includes(':)') ? Mood.HAPPY : text.includes(':(') ? Mood.SAD : undefined };
    events!.messagePosted(message);
    return message;
  },
  typing(user, ctx) {
    console.log(`${user} is typing (node ${ctx.peer})`);
  },
};

// Under `interop run` the node config comes in INTEROP_NODE_CONFIG; alone, listen on a free port.
const node = await Node.start(process.env.INTEROP_NODE_CONFIG ?? { node: 'chat-server', modules: ['example.chat'], listen: ['tcp://127.0.0.1:0'] }, {
  implementations: [[ChatModule, chat]],
});
events = new ChatPublisher(node.publisher(ChatModule));
// node.endpoints: the addresses it listens on, with the port the system chose for `:0`.
console.log(`chat server listening on ${node.endpoints.join(' ')}`);

// Ctrl-C, or SIGTERM from `interop run`: say GOODBYE to every peer, then exit.
const stop = (): void => void node.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
