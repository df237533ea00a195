import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface UnusedAccessAnalyzerArgs {
  readonly analyzerName: string;
  /** Days without use after which a role or permission becomes a finding. @default 90 */
  readonly unusedAccessAgeDays?: number;
  readonly tags?: Record<string, string>;
}

/**
 * An unused-access analyzer in the ML account (ACCOUNT_UNUSED_ACCESS): a shared role that no application has
 * assumed for the given number of days becomes a finding (an environment that is gone, or a grant nobody needs).
 * AWS allows one account-level analyzer of each type per account and Region (IAM Access Analyzer quotas).
 */
export class UnusedAccessAnalyzer extends pulumi.ComponentResource {
  readonly analyzerArn: pulumi.Output<string>;

  constructor(name: string, args: UnusedAccessAnalyzerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:UnusedAccessAnalyzer", name, {}, opts);
    const analyzer = new aws.accessanalyzer.Analyzer(
      `${name}-analyzer`,
      {
        analyzerName: args.analyzerName,
        type: "ACCOUNT_UNUSED_ACCESS",
        configuration: { unusedAccess: { unusedAccessAge: args.unusedAccessAgeDays ?? 90 } },
        tags: args.tags,
      },
      { parent: this },
    );
    this.analyzerArn = analyzer.arn;
    this.registerOutputs({ analyzerArn: this.analyzerArn });
  }
}
