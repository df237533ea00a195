import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { createServer, Socket } from "node:net";
import { boundedClientConfig, DEFAULT_AWS_TIMEOUTS } from "../../src/promotion/awsClients";
import { defaultCliContext } from "../../src/promotion/cliContext";
import { DEFAULT_LEASE_TIMING, DynamoLeaseStore, PromotionLease } from "../../src/promotion/lease";

/**
 * "Never hang: bound every wait" (SRE review S4): an AWS endpoint that accepts the connection and never answers
 * fails the call within the request timeout, instead of hanging the run while its lease is renewed.
 */
describe("AWS clients the CLI builds have request timeouts", () => {
  it("lease acquire against an endpoint that accepts and never answers fails within the bounds instead of hanging", async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => void sockets.push(socket)); // accept, read nothing, answer nothing
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const port = (server.address() as { port: number }).port;
    try {
      const timeouts = { connectionTimeoutMs: 300, requestTimeoutMs: 300, maxAttempts: 2 };
      const client = new DynamoDBClient({ ...boundedClientConfig("us-east-1", timeouts), endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: "AKIA", secretAccessKey: "x" } });
      const lease = new PromotionLease(new DynamoLeaseStore(client, "modelshare-promotion-lease", "test"), { now: Date.now, sleep: (ms) => new Promise((d) => setTimeout(d, ms)) }, () => "unknown", {
        ...DEFAULT_LEASE_TIMING,
        waitMs: 1000,
        pollMs: 200,
      });
      const identity = { user: "u", host: "h", pid: 1, who: "w", command: "c", purpose: "p" };
      const outcome = await Promise.race([
        lease.acquire(identity).then(() => "acquired", (e: Error) => `failed: ${e.name}`),
        new Promise<string>((done) => setTimeout(() => done("STILL WAITING after 5 s"), 5_000)),
      ]);
      expect(outcome).to.equal("failed: TimeoutError");
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });

  it("every client of the real CLI context (DynamoDB, Rekognition, SSM, STS) carries the default timeouts and attempts", async () => {
    const context = defaultCliContext(process.cwd());
    for (const client of [context.dynamodb("us-east-1"), context.rekognition("us-east-1"), context.ssm("us-east-1"), context.sts("us-east-1")]) {
      // The handler resolves its options on first use; configProvider is that promise (@smithy/node-http-handler).
      const handler = client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
      expect(await handler.configProvider).to.include({
        connectionTimeout: DEFAULT_AWS_TIMEOUTS.connectionTimeoutMs,
        requestTimeout: DEFAULT_AWS_TIMEOUTS.requestTimeoutMs,
        throwOnRequestTimeout: true,
      });
      expect(await client.config.maxAttempts()).to.equal(DEFAULT_AWS_TIMEOUTS.maxAttempts);
    }
  });
});
