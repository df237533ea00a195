import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ArchiveRulePlan } from "../src/detective/archiveRules";

export interface OrganizationAccessAnalyzerArgs {
  /** Analyzer name (CreateAnalyzer's analyzerName). */
  readonly analyzerName: string;
  /** Archive rules (src/detective/archiveRules.ts): exactly the external access modelshare intends. */
  readonly archiveRules: readonly ArchiveRulePlan[];
  readonly tags?: Record<string, string>;
}

/**
 * IAM Access Analyzer with the organization as its zone of trust, and the archive rules for modelshare's own
 * cross-account access. Create it with a provider for the management account or the delegated administrator
 * account for Access Analyzer: only those may create an organization analyzer ("Create an external access
 * analyzer", IAM User Guide).
 */
export class OrganizationAccessAnalyzer extends pulumi.ComponentResource {
  readonly analyzerArn: pulumi.Output<string>;

  constructor(name: string, args: OrganizationAccessAnalyzerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:OrganizationAccessAnalyzer", name, {}, opts);
    const analyzer = new aws.accessanalyzer.Analyzer(`${name}-analyzer`, { analyzerName: args.analyzerName, type: "ORGANIZATION", tags: args.tags }, { parent: this });
    for (const rule of args.archiveRules) {
      new aws.accessanalyzer.ArchiveRule(
        `${name}-${rule.ruleName}`,
        { analyzerName: analyzer.analyzerName, ruleName: rule.ruleName, filters: rule.filters.map((filter) => ({ criteria: filter.criteria, eqs: [...filter.eq] })) },
        { parent: this },
      );
    }
    this.analyzerArn = analyzer.arn;
    this.registerOutputs({ analyzerArn: this.analyzerArn });
  }
}
