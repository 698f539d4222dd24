// The e2e's MCP server: one tool, "lookup", over stdio (JSON-RPC, one message
// per line), answering with a fixed note. Claude Code starts it from the
// session's --mcp-config; nothing leaves the machine.
const readline = require("readline");

const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const lookup = { name: "lookup", description: "Looks up a note by key", inputSchema: { type: "object", properties: { key: { type: "string" } }, required: ["key"] } };

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  if (message.id === undefined) return; // a notification
  const result = {
    initialize: { protocolVersion: message.params?.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "notes", version: "1.0.0" } },
    "tools/list": { tools: [lookup] },
    "tools/call": { content: [{ type: "text", text: "The note says 42." }] },
  }[message.method];
  send({ jsonrpc: "2.0", id: message.id, result: result ?? {} });
});
