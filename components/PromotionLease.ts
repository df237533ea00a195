import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface PromotionLeaseArgs {
  /** Physical table name (contract.promotionLeaseTableName): the CLI finds the table by it without a Pulumi call. */
  readonly tableName: string;
  /** Partition key attribute (a string). */
  readonly partitionKey: string;
  /** Name of the attribute DynamoDB's TTL reads (epoch seconds). */
  readonly ttlAttribute: string;
  /** Tags for the table. */
  readonly tags?: Record<string, string>;
}

/**
 * The table that holds the promotion lease (src/promotion/lease.ts): one item, written with conditional writes by
 * every promotion, rollback, `model start|stop` and `deploy`. Pay per request (a few writes per promotion), TTL on
 * (garbage collection only: expiry is compared in the conditions, since TTL deletes lazily), point-in-time recovery
 * off (a lease has nothing worth restoring), deletion protection on (deleting it would let runs overlap).
 */
export class PromotionLease extends pulumi.ComponentResource {
  readonly tableName: pulumi.Output<string>;
  readonly tableArn: pulumi.Output<string>;

  constructor(name: string, args: PromotionLeaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:PromotionLease", name, {}, opts);
    const table = new aws.dynamodb.Table(
      `${name}-table`,
      {
        name: args.tableName,
        billingMode: "PAY_PER_REQUEST",
        hashKey: args.partitionKey,
        attributes: [{ name: args.partitionKey, type: "S" }],
        ttl: { attributeName: args.ttlAttribute, enabled: true },
        pointInTimeRecovery: { enabled: false },
        deletionProtectionEnabled: true,
        tags: args.tags,
      },
      // A rolePrefix rename renames the table: Pulumi creates the new one and, with retainOnDelete, only forgets the
      // old one (deletion protection would refuse its deletion and fail the update). Delete the old table by hand.
      { parent: this, retainOnDelete: true },
    );
    this.tableName = table.name;
    this.tableArn = table.arn;
    this.registerOutputs({ tableName: this.tableName, tableArn: this.tableArn });
  }
}
