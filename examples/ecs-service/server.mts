// Entry point of the container: `node server.mjs` (top-level await is fine in an ES module).
import { ModelClient } from "@modelshare/client";
import { createApp } from "./app.mjs";

const client = ModelClient.fromEnvironment(process.env.MODELSHARE_ENV ?? "prod");
const port = Number(process.env.PORT ?? 8080);
const server = createApp(client).listen(port, () => console.log(`listening on ${port}`));
// ECS stops a task with SIGTERM: stop taking requests, then free the client's connections.
process.once("SIGTERM", () => server.close(() => client.destroy()));
