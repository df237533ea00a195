import { isAccountId, parseProjectVersionArn } from "../arn";
import type { MlConfig, StackConfig } from "../config/schema";
import { sharedRoleName } from "../contract";
import type { StackLike } from "../matrix/topology";
import { awsPrincipalsOf, conditionValues, documentsOf, listOf, statementsOf, TYPES } from "../rules/documents";
import type { SynthesizedResource } from "./run";

/**
 * The Mermaid diagram of OUT/architecture.md, drawn from the synthesized resources: one box per account, one node per
 * component (with what it creates) or resource outside components, the roles the config names (pipeline, training)
 * and the model projects; edges for what the policies allow, the call path an application takes, the way training
 * data goes, and the accounts each guardrail reaches. Pure.
 */

/** `aws:iam/role:Role` -> `Role`; `modelshare:index:SharedModelRole` -> `SharedModelRole`. */
export function shortType(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}

export function escapeLabel(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/[<>]/g, (c) => (c === "<" ? "#lt;" : "#gt;"));
}

function drawLabel(lines: readonly string[]): string {
  return lines.map(escapeLabel).join("<br/>");
}

export interface DiagramNode {
  readonly id: string;
  readonly account: string;
  /** Lines of the node's label (escaped and joined with <br/> when drawn). */
  readonly label: readonly string[];
  /** The resources this node stands for (a component and its children, or one resource). */
  readonly resources: readonly SynthesizedResource[];
  /** The component type, for components (e.g. ApplicationAccess). */
  readonly component?: string;
  /** The stack that creates it. */
  readonly stack?: string;
  /** The consumer environment it belongs to, when it belongs to one (its stack's, or the shared role's). */
  readonly environment?: string;
}

/** What each account is, in the config's words. */
export function accountLabels(configs: readonly StackConfig[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const ml of mlConfigs(configs)) {
    labels.set(ml.mlAccountId, "ML account");
    for (const [environment, consumer] of Object.entries(ml.consumers)) labels.set(consumer.accountId, `${environment} account`);
    const management = ml.guardrail.managementRoleArn?.split(":")[4];
    if (management) labels.set(management, "organization management account");
    const analyzerAccount = ml.detective.accessAnalyzer.enabled ? ml.detective.accessAnalyzer.roleArn?.split(":")[4] : undefined;
    if (analyzerAccount && !labels.has(analyzerAccount)) labels.set(analyzerAccount, "access-analyzer administrator account");
    const dataLake = ml.dataLake.accountId ?? ml.dataLake.roleArn?.split(":")[4];
    if (ml.dataLake.enabled && dataLake && dataLake !== ml.mlAccountId) labels.set(dataLake, "data-lake account");
  }
  for (const config of configs) {
    if (config.stackKind === "consumer" && !labels.has(config.accountId)) labels.set(config.accountId, `${config.environment} account`);
  }
  return labels;
}

function mlConfigs(configs: readonly StackConfig[]): MlConfig[] {
  return configs.filter((c): c is MlConfig => c.stackKind === "ml");
}

function summarizeChildren(children: readonly SynthesizedResource[]): string {
  const counts = new Map<string, number>();
  for (const child of children) counts.set(shortType(child.type), (counts.get(shortType(child.type)) ?? 0) + 1);
  return [...counts].map(([type, count]) => (count === 1 ? type : `${count} × ${type}`)).join(", ");
}

function keyFacts(resources: readonly SynthesizedResource[]): string[] {
  const facts: string[] = [];
  for (const r of resources) {
    if (r.type === TYPES.role && typeof r.inputs.name === "string") facts.push(`role ${String(r.inputs.path ?? "/")}${r.inputs.name}`);
    if (r.type === TYPES.organizationsPolicy && typeof r.inputs.name === "string") facts.push(`SCP ${r.inputs.name}`);
    if (r.type === TYPES.vpcEndpoint && typeof r.inputs.serviceName === "string") facts.push(`endpoint ${r.inputs.serviceName.split(".").pop()}`);
    if (r.type === TYPES.bucketPolicy && typeof r.inputs.bucket === "string") facts.push(`bucket ${r.inputs.bucket}`);
    if (r.type === TYPES.analyzer && typeof r.inputs.analyzerName === "string") facts.push(`analyzer ${r.inputs.analyzerName} (${String(r.inputs.type)})`);
    if (r.type === TYPES.configRule && typeof r.inputs.name === "string") facts.push(`Config rule ${r.inputs.name} (Guard)`);
    if (r.type === TYPES.configRecorder) facts.push(`recorder ${String(r.inputs.name ?? "default")} (IAM roles)`);
  }
  const alarms = resources.filter((r) => r.type === TYPES.metricAlarm);
  if (alarms.length > 0) {
    const topics = new Set(alarms.flatMap((a) => (Array.isArray(a.inputs.alarmActions) ? a.inputs.alarmActions.map(String) : [])));
    facts.push(`alarms to ${[...topics].map((t) => t.slice(t.lastIndexOf(":") + 1)).join(", ") || "no topic"}`);
  }
  return facts;
}

/** The environment a shared role of the ML stack serves, from its role name. */
function sharedRoleEnvironment(resources: readonly SynthesizedResource[], ml: MlConfig | undefined): string | undefined {
  if (!ml) return undefined;
  const names = new Set(resources.filter((r) => r.type === TYPES.role).map((r) => String(r.inputs.name)));
  return Object.keys(ml.consumers).find((environment) => names.has(sharedRoleName(ml.rolePrefix, environment)));
}

/**
 * In statements mode nothing of the ML stack lives in the data-lake account: the grant its owner adds is drawn there
 * as a node of its own, from the ML stack's `dataLake` output (as a bucket policy resource would carry it).
 */
function dataLakeGrantNodes(stacks: readonly StackLike[], first: number): DiagramNode[] {
  return stacks.flatMap((stack, i) => {
    const grant = stack.outputs.dataLake as { mode?: string; bucketName?: string; bucketAccountId?: string; statements?: unknown[] } | undefined;
    if (stack.config.stackKind !== "ml" || grant?.mode !== "statements" || !grant.bucketName || !grant.bucketAccountId) return [];
    const resource: SynthesizedResource = {
      type: TYPES.bucketPolicy,
      name: "data-lake-grant",
      parent: null,
      provider: "(none: added by the bucket owner)",
      account: grant.bucketAccountId,
      region: null,
      inputs: { bucket: grant.bucketName, policy: JSON.stringify({ Version: "2012-10-17", Statement: grant.statements ?? [] }) },
    };
    return [
      {
        id: `n${first + i + 1}`,
        account: grant.bucketAccountId,
        label: [`bucket ${grant.bucketName} [${stack.stack}]`, "grant the bucket owner adds (dataLake.mode statements)"],
        resources: [resource],
        stack: stack.stack,
      },
    ];
  });
}

/** Components become one node each (with their children); AWS resources outside components become their own. */
function resourceNodes(stacks: readonly StackLike[]): DiagramNode[] {
  const nodes: DiagramNode[] = [];
  const ml = mlConfigs(stacks.map((s) => s.config))[0];
  for (const stack of stacks) {
    const stackEnvironment = stack.config.stackKind === "consumer" ? stack.config.environment : undefined;
    const childrenOf = new Map<string, SynthesizedResource[]>();
    for (const r of stack.resources) if (r.parent) childrenOf.set(r.parent, [...(childrenOf.get(r.parent) ?? []), r]);
    for (const r of stack.resources) {
      const isComponent = !r.type.startsWith("aws:") && !r.type.startsWith("pulumi:");
      if (isComponent) {
        const children = childrenOf.get(`${r.type}::${r.name}`) ?? [];
        const account = children.find((c) => c.account)?.account;
        if (!account) continue;
        const details = [...keyFacts(children), summarizeChildren(children)].filter((d) => d.length > 0);
        const environment = stackEnvironment ?? (r.type === TYPES.sharedModelRole ? sharedRoleEnvironment(children, ml) : undefined);
        nodes.push({
          id: `n${nodes.length + 1}`,
          account,
          label: [`${shortType(r.type)} ${r.name} [${stack.stack}]`, ...details],
          resources: children,
          component: shortType(r.type),
          stack: stack.stack,
          ...(environment ? { environment } : {}),
        });
      } else if (r.type.startsWith("aws:") && !r.parent && r.account) {
        nodes.push({
          id: `n${nodes.length + 1}`,
          account: r.account,
          label: [`${shortType(r.type)} ${r.name} [${stack.stack}]`, ...keyFacts([r])],
          resources: [r],
          stack: stack.stack,
          ...(stackEnvironment ? { environment: stackEnvironment } : {}),
        });
      }
    }
  }
  return [...nodes, ...dataLakeGrantNodes(stacks, nodes.length)];
}

/** The roles the ML config names but no stack creates: the pipeline role and (when another) the training role. */
function configRoleNodes(configs: readonly StackConfig[]): (DiagramNode & { readonly arn: string })[] {
  const roles = new Map<string, string[]>();
  for (const ml of mlConfigs(configs)) {
    roles.set(ml.pipelineRoleArn, ["pipeline role (modelshare:pipelineRoleArn)", "deploys, promotes: starts, stops, grants"]);
    const training = ml.dataLake.enabled ? (ml.dataLake.trainingPrincipalArn ?? ml.pipelineRoleArn) : undefined;
    if (training && training !== ml.pipelineRoleArn) roles.set(training, ["training role (modelshare:dataLake.trainingPrincipalArn)", "trains model versions"]);
    else if (training) roles.get(ml.pipelineRoleArn)?.push("trains model versions (dataLake.trainingPrincipalArn)");
  }
  return [...roles].map(([arn, [title, ...what]], i) => ({
    id: `r${i + 1}`,
    arn,
    account: arn.split(":")[4],
    label: [`${title}`, arn.slice(arn.indexOf(":role/") + 1), ...what],
    resources: [],
  }));
}

function allowedResources(resource: SynthesizedResource, action: string): string[] {
  return documentsOf(resource).flatMap((d) =>
    statementsOf(d.document ?? {})
      .filter((s) => s.Effect === "Allow" && listOf(s.Action).some((a) => a.toLowerCase() === action.toLowerCase()))
      .flatMap((s) => [...listOf(s.Resource)]),
  );
}

/** The principals a role's trust policy allows: named directly, or through aws:PrincipalArn. */
function trustedPrincipals(resource: SynthesizedResource): string[] {
  if (resource.type !== TYPES.role) return [];
  return documentsOf(resource).flatMap((d) =>
    statementsOf(d.document ?? {})
      .filter((s) => s.Effect === "Allow")
      .flatMap((s) => [...awsPrincipalsOf(s), ...(conditionValues(s, "ArnEquals", "aws:PrincipalArn") ?? []), ...(conditionValues(s, "ArnLike", "aws:PrincipalArn") ?? [])]),
  );
}

function roleArnOf(resource: SynthesizedResource, partition: string): string | undefined {
  if (resource.type !== TYPES.role || typeof resource.inputs.name !== "string" || !resource.account) return undefined;
  return `arn:${partition}:iam::${resource.account}:role${String(resource.inputs.path ?? "/")}${resource.inputs.name}`;
}

/** Which accounts a guardrail reaches: those it is attached to, and those its OU and root targets are meant to hold. */
export interface GuardrailReach {
  readonly node: DiagramNode;
  readonly name: string;
  readonly targets: readonly string[];
  readonly accounts: readonly string[];
  /** Principals its Deny statements leave out (aws:PrincipalArn under a negated operator). */
  readonly exempt: readonly string[];
}

export function guardrailReach(stacks: readonly StackLike[], nodes: readonly DiagramNode[] = resourceNodes(stacks)): GuardrailReach[] {
  const mls = mlConfigs(stacks.map((s) => s.config));
  return nodes.flatMap((node) => {
    const policy = node.resources.find((r) => r.type === TYPES.organizationsPolicy);
    if (!policy) return [];
    const name = String(policy.inputs.name ?? node.label[0]);
    const targets = node.resources.filter((r) => r.type === TYPES.policyAttachment).map((r) => String(r.inputs.targetId));
    const intended = mls.flatMap((ml) =>
      name === `${ml.rolePrefix}-ml-guardrail` ? [ml.mlAccountId] : name === `${ml.rolePrefix}-consumer-guardrail` ? Object.values(ml.consumers).map((c) => c.accountId) : [],
    );
    const direct = targets.filter(isAccountId);
    // An OU or root target is assumed to hold the accounts the guardrail is meant for (the matrix assumes the same).
    const accounts = [...new Set([...direct, ...(targets.some((t) => !isAccountId(t)) ? intended : [])])].sort();
    const exempt = documentsOf(policy).flatMap((d) =>
      statementsOf(d.document ?? {})
        .filter((s) => s.Effect === "Deny")
        .flatMap((s) => ["ArnNotLike", "ArnNotEquals", "StringNotLike", "StringNotEquals"].flatMap((op) => conditionValues(s, op, "aws:PrincipalArn") ?? [])),
    );
    return [{ node, name, targets, accounts, exempt: [...new Set(exempt)].sort() }];
  });
}

/** One edge of the diagram; `thick` edges are the call path and the training data path. */
interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly style: "solid" | "dotted" | "thick";
}

function drawEdge(edge: Edge): string {
  const arrow = edge.style === "solid" ? "-->" : edge.style === "dotted" ? "-.->" : "==>";
  return `  ${edge.from} ${arrow}|"${escapeLabel(edge.label)}"| ${edge.to}`;
}

/**
 * What a data-lake bucket policy grants, as edges: training data from the bucket to the role the config names (its
 * reads in one edge), that role's output back to the bucket, and grants to principals without a node to their account.
 */
function bucketEdges(node: DiagramNode, bucket: SynthesizedResource, nodeByRoleArn: ReadonlyMap<string, { id: string }>): Edge[] {
  const reads = new Map<string, Set<string>>();
  const writes = new Map<string, Set<string>>();
  const edges: Edge[] = [];
  for (const d of documentsOf(bucket)) for (const s of statementsOf(d.document ?? {})) {
    if (s.Effect !== "Allow") continue;
    const source = conditionValues(s, "StringEquals", "aws:SourceAccount")?.[0];
    const principal = conditionValues(s, "ArnEquals", "aws:PrincipalArn")?.[0];
    const principalNode = principal ? nodeByRoleArn.get(principal) : undefined;
    if (principalNode) {
      for (const action of listOf(s.Action)) {
        const into = /^s3:Put/i.test(action) ? writes : reads;
        into.set(principalNode.id, (into.get(principalNode.id) ?? new Set()).add(action));
      }
      continue;
    }
    const label = principal ? `${principal.slice(principal.lastIndexOf("/") + 1)} ${listOf(s.Action).join(", ")}` : source ? `rekognition.amazonaws.com reads for ${source}` : undefined;
    const account = principal?.split(":")[4] ?? source;
    if (label && account) edges.push({ from: node.id, to: `acct_${account}`, label, style: "dotted" });
  }
  for (const [id, actions] of reads) edges.push({ from: node.id, to: id, label: `training data: ${[...actions].join(", ")}`, style: "thick" });
  for (const [id, actions] of writes) edges.push({ from: id, to: node.id, label: `${[...actions].join(", ")} (training output)`, style: "dotted" });
  return edges;
}

/** What the edge builders share: the nodes, roles by ARN, the project nodes and the organization targets. */
interface Drawing {
  readonly nodes: readonly DiagramNode[];
  readonly nodeByRoleArn: ReadonlyMap<string, { readonly id: string }>;
  readonly projectNodes: Map<string, { id: string; account: string; label: readonly string[] }>;
  readonly targets: Map<string, string>;
  readonly edges: Edge[];
}

function addEdge(drawing: Drawing, edge: Edge): void {
  if (!drawing.edges.some((e) => e.from === edge.from && e.to === edge.to && e.label === edge.label)) drawing.edges.push(edge);
}

/** Model projects are not resources of the stacks (versions are trained by Rekognition): one node per project. */
function projectNodeOf(drawing: Drawing, versionArn: string): { id: string } | undefined {
  const version = parseProjectVersionArn(versionArn);
  return typeof version === "string" ? undefined : projectNode(drawing, version.accountId, version.projectName);
}

function projectNode(drawing: Drawing, account: string, projectName: string): { id: string } {
  const key = `${account}/${projectName}`;
  if (!drawing.projectNodes.has(key)) {
    drawing.projectNodes.set(key, { id: `p${drawing.projectNodes.size + 1}`, account, label: [`Rekognition project ${projectName}`, "(model versions)"] });
  }
  return drawing.projectNodes.get(key)!;
}

/** What a node's identity and endpoint policies allow: AssumeRole on roles, DetectCustomLabels on versions. */
function policyEdges(drawing: Drawing, node: DiagramNode): void {
  const assumed = new Set(node.resources.filter((r) => r.type === TYPES.rolePolicy).flatMap((r) => allowedResources(r, "sts:AssumeRole")));
  for (const arn of assumed) {
    const target = drawing.nodeByRoleArn.get(arn);
    if (target && target !== node) addEdge(drawing, { from: node.id, to: target.id, label: "sts:AssumeRole", style: "solid" });
  }
  for (const kind of [TYPES.rolePolicy, TYPES.vpcEndpoint]) {
    const versions = new Set(node.resources.filter((r) => r.type === kind).flatMap((r) => allowedResources(r, "rekognition:DetectCustomLabels")));
    const byProject = new Map<string, number>();
    for (const arn of versions) {
      const project = projectNodeOf(drawing, arn);
      if (project) byProject.set(project.id, (byProject.get(project.id) ?? 0) + 1);
    }
    for (const [id, count] of byProject) {
      const how = kind === TYPES.vpcEndpoint ? "endpoint admits DetectCustomLabels" : "DetectCustomLabels";
      addEdge(drawing, { from: node.id, to: id, label: `${how} (${count} version${count === 1 ? "" : "s"})`, style: kind === TYPES.vpcEndpoint ? "dotted" : "solid" });
    }
  }
}

/**
 * The call path: an application calls STS and Rekognition through its own stack's endpoints, whose STS endpoint
 * admits AssumeRole on its shared role only (then the shared role's DetectCustomLabels edge reaches the model).
 */
function callPathEdges(drawing: Drawing, endpoints: DiagramNode): void {
  if (endpoints.component !== "PrivateRekognitionEndpoint") return;
  for (const app of drawing.nodes.filter((n) => n.component === "ApplicationAccess" && n.stack === endpoints.stack)) {
    addEdge(drawing, { from: app.id, to: endpoints.id, label: "calls STS and Rekognition through", style: "thick" });
  }
  const admitted = new Set(endpoints.resources.filter((r) => r.type === TYPES.vpcEndpoint).flatMap((r) => allowedResources(r, "sts:AssumeRole")));
  for (const arn of admitted) {
    const target = drawing.nodeByRoleArn.get(arn);
    if (target) addEdge(drawing, { from: endpoints.id, to: target.id, label: "sts:AssumeRole (STS endpoint policy)", style: "thick" });
  }
}

function attachmentEdges(drawing: Drawing, node: DiagramNode): void {
  for (const attachment of node.resources.filter((r) => r.type === TYPES.policyAttachment)) {
    const target = String(attachment.inputs.targetId);
    if (!isAccountId(target) && !drawing.targets.has(target)) drawing.targets.set(target, `t${drawing.targets.size + 1}`);
    addEdge(drawing, { from: node.id, to: isAccountId(target) ? `acct_${target}` : drawing.targets.get(target)!, label: "SCP attached", style: "dotted" });
  }
}

/** Detective controls: the Config rule evaluates the shared roles, archive rules name them, the alarms watch the project. */
function detectiveEdges(drawing: Drawing, node: DiagramNode): void {
  if (node.resources.some((r) => r.type === TYPES.configRule)) {
    for (const target of drawing.nodes.filter((n) => n.account === node.account && n.resources.some((r) => r.type === TYPES.role && r.inputs.path === "/modelshare/"))) {
      addEdge(drawing, { from: node.id, to: target.id, label: "evaluates (Guard)", style: "dotted" });
    }
  }
  for (const rule of node.resources.filter((r) => r.type === TYPES.archiveRule)) {
    const resource = ((rule.inputs.filters ?? []) as { criteria?: string; eqs?: string[] }[]).find((f) => f.criteria === "resource")?.eqs?.[0];
    const target = resource !== undefined ? drawing.nodeByRoleArn.get(resource) : undefined;
    if (target) addEdge(drawing, { from: node.id, to: target.id, label: "archive rule: its own consumer's access", style: "dotted" });
  }
  const watched = new Map<string, { account: string; projectName: string; count: number }>();
  for (const alarm of node.resources.filter((r) => r.type === TYPES.metricAlarm && r.inputs.alarmDescription !== undefined)) {
    const queries = alarm.inputs.metricQueries as { metric?: { dimensions?: Record<string, string> } }[] | undefined;
    const dims = (alarm.inputs.dimensions ?? queries?.find((q) => q.metric)?.metric?.dimensions) as Record<string, string> | undefined;
    if (!dims?.ProjectName || !alarm.account) continue;
    const key = `${alarm.account}/${dims.ProjectName}`;
    watched.set(key, { account: alarm.account, projectName: dims.ProjectName, count: (watched.get(key)?.count ?? 0) + 1 });
  }
  for (const { account, projectName, count } of watched.values()) {
    addEdge(drawing, { from: node.id, to: projectNode(drawing, account, projectName).id, label: `alarms (${count})`, style: "dotted" });
  }
}

/** What the pipeline and training roles do with the model, and what it may assume or invoke in consumer accounts (promotion's verify). */
function configRoleEdges(drawing: Drawing, stacks: readonly StackLike[]): void {
  for (const ml of mlConfigs(stacks.map((s) => s.config))) {
    const versions = [...ml.model.versions, ...Object.values(ml.consumers).flatMap((c) => c.grantedVersions)];
    const projects = [...new Set(versions.map((arn) => projectNodeOf(drawing, arn)?.id).filter((id): id is string => id !== undefined))];
    const pipeline = drawing.nodeByRoleArn.get(ml.pipelineRoleArn);
    const training = ml.dataLake.enabled ? drawing.nodeByRoleArn.get(ml.dataLake.trainingPrincipalArn ?? ml.pipelineRoleArn) : undefined;
    for (const project of projects) {
      if (pipeline) addEdge(drawing, { from: pipeline.id, to: project, label: "starts, stops, grants versions (promotion)", style: "solid" });
      if (training) addEdge(drawing, { from: training.id, to: project, label: "CreateProjectVersion: trains on the training data", style: "thick" });
    }
    if (!pipeline) continue;
    for (const node of drawing.nodes) {
      if (node.resources.some((r) => trustedPrincipals(r).includes(ml.pipelineRoleArn))) {
        addEdge(drawing, { from: pipeline.id, to: node.id, label: "sts:AssumeRole (trusted: promotion's verify)", style: "solid" });
      }
      if (node.resources.some((r) => r.type === TYPES.lambdaPermission && r.inputs.principal === ml.pipelineRoleArn)) {
        addEdge(drawing, { from: pipeline.id, to: node.id, label: "lambda:InvokeFunction (promotion's verify)", style: "solid" });
      }
    }
  }
}

function render(drawing: Drawing, roles: readonly DiagramNode[], labels: ReadonlyMap<string, string>): string {
  const projects = [...drawing.projectNodes.values()];
  const accounts = new Set<string>([...drawing.nodes.map((n) => n.account), ...roles.map((r) => r.account), ...projects.map((p) => p.account)]);
  // Every account an SCP reaches gets a box, even when no stack creates anything in it.
  for (const edge of drawing.edges) if (/^acct_\d{12}$/.test(edge.to)) accounts.add(edge.to.slice("acct_".length));
  const lines = ["flowchart LR"];
  for (const account of [...accounts].sort()) {
    lines.push(`  subgraph acct_${account}["${escapeLabel(`${labels.get(account) ?? "account"} ${account}`)}"]`);
    for (const node of drawing.nodes.filter((n) => n.account === account)) lines.push(`    ${node.id}["${drawLabel(node.label)}"]`);
    for (const role of roles.filter((r) => r.account === account)) lines.push(`    ${role.id}(["${drawLabel(role.label)}"])`);
    for (const project of projects.filter((p) => p.account === account)) lines.push(`    ${project.id}[("${drawLabel(project.label)}")]`);
    lines.push("  end");
  }
  if (drawing.targets.size > 0) {
    lines.push(`  subgraph organization["organization targets (OUs, roots)"]`);
    for (const [target, id] of drawing.targets) lines.push(`    ${id}["${escapeLabel(target)}"]`);
    lines.push("  end");
  }
  return [...lines, ...drawing.edges.map(drawEdge)].join("\n");
}

export function mermaidDiagram(stacks: readonly StackLike[]): string {
  const configs = stacks.map((s) => s.config);
  const partition = configs[0]?.partition ?? "aws";
  const nodes = resourceNodes(stacks);
  const roles = configRoleNodes(configs);
  const nodeByRoleArn = new Map<string, { id: string }>();
  for (const node of nodes) for (const r of node.resources) {
    const arn = roleArnOf(r, partition);
    if (arn) nodeByRoleArn.set(arn, node);
  }
  for (const role of roles) if (!nodeByRoleArn.has(role.arn)) nodeByRoleArn.set(role.arn, role);
  const drawing: Drawing = { nodes, nodeByRoleArn, projectNodes: new Map(), targets: new Map(), edges: [] };

  for (const node of nodes) {
    policyEdges(drawing, node);
    callPathEdges(drawing, node);
    attachmentEdges(drawing, node);
    detectiveEdges(drawing, node);
    for (const bucket of node.resources.filter((r) => r.type === TYPES.bucketPolicy)) bucketEdges(node, bucket, nodeByRoleArn).forEach((e) => addEdge(drawing, e));
  }
  configRoleEdges(drawing, stacks);
  for (const reach of guardrailReach(stacks, nodes)) {
    for (const account of reach.accounts) {
      if (!reach.targets.includes(account)) addEdge(drawing, { from: reach.node.id, to: `acct_${account}`, label: "reaches (through its OU or root)", style: "dotted" });
    }
  }
  return render(drawing, roles, accountLabels(configs));
}

/** The environment each node of the diagram belongs to (for the test that no edge crosses environments). */
export function nodeEnvironments(stacks: readonly StackLike[]): Map<string, string> {
  return new Map(resourceNodes(stacks).flatMap((n) => (n.environment ? [[n.id, n.environment] as const] : [])));
}
