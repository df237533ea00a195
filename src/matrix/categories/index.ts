import type { ActionCatalog } from "../actions";
import type { CategoryId, MatrixCase } from "../cases";
import type { Topology } from "../topology";
import { consumerAccountCases } from "./consumerAccount";
import { copyCases } from "./copy";
import { crossEnvironmentCases } from "./crossEnvironment";
import { dataLakeCases } from "./dataLake";
import { detectiveCases } from "./detective";
import { exportCases } from "./export";
import { guardrailCases } from "./guardrails";
import { legitimateCases } from "./legitimate";
import { networkCases } from "./network";
import { outsideCallerCases } from "./outsideCallers";
import { sharedRoleAbuseCases } from "./sharedRoleAbuse";
import { smokeTestCases } from "./smokeTest";

/** One red-team category: what it asks, and the function from the topology to its requests. */
export interface MatrixCategory {
  readonly id: CategoryId;
  readonly title: string;
  readonly cases: (topology: Topology, catalog: ActionCatalog) => MatrixCase[];
}

/** The categories, in report order. Each lives in its own file; a new one is a new file and an entry here. */
export const CATEGORIES: readonly MatrixCategory[] = [
  { id: "legitimate", title: "legitimate use: each application, through its endpoints, on each granted version", cases: legitimateCases },
  { id: "cross-environment", title: "another environment's shared role, and versions granted only elsewhere", cases: crossEnvironmentCases },
  { id: "outside-callers", title: "other principals of the account, of the organization and outside it, roots, anonymous, look-alikes", cases: outsideCallerCases },
  { id: "network", title: "no VPC endpoint, another account's endpoint, another environment's endpoint", cases: networkCases },
  { id: "shared-role-abuse", title: "a shared-role session: every other Rekognition action, IAM, S3, chaining, session policies, tags", cases: sharedRoleAbuseCases },
  { id: "guardrails", title: "administrators in each account on every protected action; exempt roles where they act", cases: guardrailCases },
  { id: "data-lake", title: "the training bucket: the training principal, other principals, Rekognition's service principal", cases: dataLakeCases },
  { id: "export", title: "copying a version and project-policy changes", cases: exportCases },
  { id: "detective", title: "the access analyzer, the Config rule, the recorder and the model's alarms: only the pipeline changes them", cases: detectiveCases },
  { id: "smoke-test", title: "the smoke-test function and role: who may invoke or change the function, pass or assume the role", cases: smokeTestCases },
  { id: "consumer-account", title: "a consumer account's application, other workloads and administrator: its roles, the /modelshare/ parameters, the SSM endpoint", cases: consumerAccountCases },
  { id: "copy", title: "copy environments: who may copy from the source, who may start/stop/call the copy, no shared role", cases: copyCases },
];

/** Every request of the matrix, category by category, in a stable order. */
export function casesOf(topology: Topology, catalog: ActionCatalog, categories: readonly MatrixCategory[] = CATEGORIES): MatrixCase[] {
  return categories.flatMap((category) => category.cases(topology, catalog));
}
