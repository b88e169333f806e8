// The standard JavaScript SignalR client (@microsoft/signalr, default options) against the public hub URL.
// 1. For each transport, COUNT consecutive connections: start, invoke Subscribe, stop. Prints one JSON line per transport.
// 2. One connection with the default transports that subscribes to DEVICE, prints "subscribed", and prints the first
//    shadow event it receives as "event <json>"; exits 1 if none arrives within 30 s.
// Environment: HUB_URL, TOKEN, DEVICE, COUNT.
import * as signalR from "@microsoft/signalr";

const { HUB_URL: url, TOKEN: token, DEVICE: device } = process.env;
const count = Number(process.env.COUNT ?? "50");

function connect(transport) {
  const options = { accessTokenFactory: () => token };
  if (transport !== undefined) options.transport = transport;
  return new signalR.HubConnectionBuilder()
    .withUrl(url, options)
    .configureLogging(signalR.LogLevel.None)
    .build();
}

for (const name of ["WebSockets", "ServerSentEvents", "LongPolling"]) {
  const result = { transport: name, succeeded: 0, failed: 0, errors: [] };
  for (let i = 0; i < count; i++) {
    const connection = connect(signalR.HttpTransportType[name]);
    try {
      await connection.start();
      await connection.invoke("Subscribe", device);
      result.succeeded++;
    } catch (error) {
      result.failed++;
      if (result.errors.length < 5) result.errors.push(String(error?.message ?? error));
    } finally {
      await connection.stop();
    }
  }
  console.log(JSON.stringify(result));
}

const listener = connect(undefined);
const received = new Promise((resolve) => listener.on("shadow", resolve));
await listener.start();
await listener.invoke("Subscribe", device);
console.log("subscribed");
const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("no shadow event within 30 s")), 30_000));
try {
  const event = await Promise.race([received, timeout]);
  console.log("event " + JSON.stringify(event));
  await listener.stop();
  process.exit(0);
} catch (error) {
  console.log("error " + error.message);
  process.exit(1);
}
