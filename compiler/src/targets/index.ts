// Imports every target for its side effect of registering itself with ./registry.ts. The CLI
// imports this file once. A new target adds one line here: import './<lang>/index.js';

export {};
import './c/index.js';
import './cpp/index.js';
import './d/index.js';
import './haskell/index.js';
import './python/index.js';
import './ts/index.js';
import './proto/index.js';
import './fbs/index.js';
