// The browser entry (src/index.browser.ts) is the root export minus what needs Node: this
// keeps the two in step when either grows.
import * as browser from '../../src/index.browser.js';
import * as node from '../../src/index.js';

/** Exports that listen on TCP or wrap Node sockets, left out of the browser build on purpose. */
const NODE_ONLY = ['StreamPeerTCP', 'StreamPeerTLS', 'TCPServer', 'WebSocketServer', 'attach', 'listen'];

describe('the browser entry', () => {
  it('exports everything the Node entry does, except the Node-only servers', () => {
    const expected = Object.keys(node).filter((name) => !NODE_ONLY.includes(name)).sort();
    expect(Object.keys(browser).sort()).toEqual(expected);
  });

  it('exports the same objects', () => {
    const different = Object.entries(browser).filter(([name, value]) => value !== (node as Record<string, unknown>)[name]);
    expect(different.map(([name]) => name)).toEqual([]);
  });

  it('leaves out only names the Node entry has', () => {
    expect(NODE_ONLY.filter((name) => !(name in node))).toEqual([]);
  });
});
