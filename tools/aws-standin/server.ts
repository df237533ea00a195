import * as grpc from "@grpc/grpc-js";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { AwsClients, providerConfig } from "./aws";
import { changedKeys, checkInputs, planDiff } from "./diff";
import { INVOKES } from "./invokes";
import { RESOURCES } from "./registry";
import { Props, ResourceType } from "./types";

// google-protobuf ships no type declarations: the two calls used here, typed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(value: Props): unknown } };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Empty } = require("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };

interface StructLike {
  toJavaScript(): Props;
}
const js = (struct: StructLike | undefined): Props => struct?.toJavaScript() ?? {};

/** Drops undefined values (a protobuf Struct cannot carry them). */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Props).flatMap(([k, v]) => (v === undefined ? [] : [[k, clean(v)]])));
  }
  return value;
}
const struct = (props: Props) => Struct.fromJavaScript(clean(props) as Props);

/** The type token: from the request when the engine sends it, else from the URN (`...::parent$type::name`). */
function typeOf(request: { getType?(): string; getUrn(): string }): string {
  const explicit = request.getType?.();
  if (explicit) return explicit;
  const parts = request.getUrn().split("::");
  return (parts[2] ?? "").split("$").pop() ?? "";
}

function resourceType(token: string): ResourceType {
  const type = RESOURCES[token];
  if (!type) throw new Error(`the stand-in aws provider does not implement ${token}: add it to tools/aws-standin/registry.ts (see docs/engine-lane.md)`);
  return type;
}

type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;

/** Runs a handler and answers its callback; a thrown error becomes a gRPC error whose message the engine prints. */
function unary<Req, Res>(what: (req: Req) => string, handler: (req: Req) => Promise<Res>) {
  return (call: grpc.ServerUnaryCall<Req, Res>, callback: Callback<Res>) => {
    handler(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => {
        const e = error as Error & { name?: string };
        const message = `${what(call.request)}: ${e?.name && e.name !== "Error" ? `${e.name}: ` : ""}${e?.message ?? String(error)}`;
        callback({ name: "Error", message, code: grpc.status.UNKNOWN, details: message, metadata: new grpc.Metadata() });
      },
    );
  };
}

/**
 * The provider plugin's gRPC service. One plugin process serves one configured provider (the engine starts one
 * per provider resource), so the configuration received by Configure applies to every call after it.
 */
export function providerService(version: string): grpc.UntypedServiceImplementation {
  let aws: AwsClients | undefined;
  const clients = () => {
    if (!aws) throw new Error("the provider was not configured");
    return aws;
  };
  const label = (verb: string) => (req: { getUrn(): string }) => `${verb} ${req.getUrn()}`;

  return {
    getPluginInfo: (_call: unknown, callback: Callback<plugproto.PluginInfo>) => callback(null, new plugproto.PluginInfo().setVersion(version)),
    getSchema: (_call: unknown, callback: Callback<provproto.GetSchemaResponse>) => callback(null, new provproto.GetSchemaResponse().setSchema("{}")),
    cancel: (_call: unknown, callback: Callback<unknown>) => callback(null, new Empty()),
    attach: (_call: unknown, callback: Callback<unknown>) => callback(null, new Empty()),

    checkConfig: unary(label("checking provider"), async (req: provproto.CheckRequest) => {
      const news = js(req.getNews());
      providerConfig(news); // refuses a configuration without a region before anything is created
      return new provproto.CheckResponse().setInputs(struct(news) as never);
    }),
    diffConfig: unary(label("diffing provider"), async (req: provproto.DiffRequest) => {
      // A changed provider configuration updates the provider in place; its resources are diffed on their own.
      const diffs = changedKeys(js(req.getOldInputs() ?? req.getOlds()), js(req.getNews()));
      return new provproto.DiffResponse()
        .setChanges(diffs.length > 0 ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE)
        .setDiffsList(diffs);
    }),
    configure: unary(
      () => "configuring provider",
      async (req: provproto.ConfigureRequest) => {
        const args = req.getArgs() ? js(req.getArgs()) : Object.fromEntries([...req.getVariablesMap().entries()].map(([k, v]) => [k.replace(/^aws:(config:)?/, ""), v]));
        aws = new AwsClients(providerConfig(args));
        // Plain values only: no secrets, resource references or output values on the wire, and no Create during
        // preview (the engine shows the inputs instead).
        return new provproto.ConfigureResponse().setAcceptsecrets(false).setAcceptresources(false).setAcceptoutputs(false).setSupportspreview(false);
      },
    ),

    check: unary(label("checking"), async (req: provproto.CheckRequest) => {
      const type = resourceType(typeOf(req));
      const inputs = checkInputs(type, req.getUrn(), js(req.getOlds()), js(req.getNews()));
      const failures = (type.check?.(inputs) ?? []).map(([property, reason]) => new provproto.CheckFailure().setProperty(property).setReason(reason));
      return new provproto.CheckResponse().setInputs(struct(inputs) as never).setFailuresList(failures);
    }),
    diff: unary(label("diffing"), async (req: provproto.DiffRequest) => {
      const type = resourceType(typeOf(req));
      const plan = planDiff(type, js(req.getOldInputs() ?? req.getOlds()), js(req.getNews()));
      return new provproto.DiffResponse()
        .setChanges(plan.diffs.length > 0 ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE)
        .setDiffsList(plan.diffs)
        .setReplacesList(plan.replaces)
        .setDeletebeforereplace(plan.deleteBeforeReplace);
    }),
    create: unary(label("creating"), async (req: provproto.CreateRequest) => {
      const type = resourceType(typeOf(req));
      const inputs = js(req.getProperties());
      await clients().account();
      const { id, outputs } = await type.create(clients(), inputs);
      return new provproto.CreateResponse().setId(id).setProperties(struct({ ...inputs, ...outputs }) as never);
    }),
    read: unary(label("reading"), async (req: provproto.ReadRequest) => {
      const type = resourceType(typeOf(req));
      await clients().account();
      const state = js(req.getProperties());
      const outputs = await type.read(clients(), req.getId(), state);
      const response = new provproto.ReadResponse();
      if (outputs === undefined) return response; // an empty id tells the engine the resource is gone
      return response
        .setId(req.getId())
        .setProperties(struct({ ...state, ...outputs }) as never)
        .setInputs(struct(js(req.getInputs())) as never);
    }),
    update: unary(label("updating"), async (req: provproto.UpdateRequest) => {
      const type = resourceType(typeOf(req));
      if (!type.update) throw new Error(`${typeOf(req)} has no update in the stand-in: every change replaces it`);
      await clients().account();
      const olds = js(req.getOldInputs() ?? req.getOlds());
      const news = js(req.getNews());
      const outputs = await type.update(clients(), req.getId(), olds, news);
      return new provproto.UpdateResponse().setProperties(struct({ ...news, ...outputs }) as never);
    }),
    delete: unary(label("deleting"), async (req: provproto.DeleteRequest) => {
      const type = resourceType(typeOf(req));
      await clients().account();
      await type.delete(clients(), req.getId(), js(req.getProperties()));
      return new Empty();
    }),
    invoke: unary(
      (req: provproto.InvokeRequest) => `invoking ${req.getTok()}`,
      async (req: provproto.InvokeRequest) => {
        const invoke = INVOKES[req.getTok()];
        if (!invoke) throw new Error(`the stand-in aws provider does not implement ${req.getTok()}: add it to tools/aws-standin/invokes.ts`);
        await clients().account();
        const result = await invoke(clients(), js(req.getArgs()));
        return new provproto.InvokeResponse().setReturn(struct(result) as never);
      },
    ),
  };
}

/** Starts the provider on 127.0.0.1 and prints the port on stdout's first line, as the engine expects. */
export function serve(version: string): void {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  server.addService(provrpc.ResourceProviderService, providerService(version));
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) {
      process.stderr.write(`the stand-in aws provider could not listen: ${error.message}\n`);
      process.exit(1);
    }
    process.stdout.write(`${port}\n`);
  });
}
