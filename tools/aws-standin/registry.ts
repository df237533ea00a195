import * as cloudwatch from "./resources/cloudwatch";
import * as dynamodb from "./resources/dynamodb";
import * as ec2 from "./resources/ec2";
import * as iam from "./resources/iam";
import * as organizations from "./resources/organizations";
import * as s3 from "./resources/s3";
import * as ssm from "./resources/ssm";
import { ResourceType } from "./types";

/**
 * The resource types the stand-in serves, by Pulumi type token. A new type is a ResourceType in ./resources (the
 * AWS calls for create/read/update/delete) and one line here; an unknown token fails with a message naming it.
 */
export const RESOURCES: Record<string, ResourceType> = {
  "aws:iam/role:Role": iam.role,
  "aws:iam/rolePolicy:RolePolicy": iam.rolePolicy,
  "aws:ec2/vpc:Vpc": ec2.vpc,
  "aws:ec2/subnet:Subnet": ec2.subnet,
  "aws:ec2/securityGroup:SecurityGroup": ec2.securityGroup,
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ec2.securityGroupIngressRule,
  "aws:ec2/vpcEndpoint:VpcEndpoint": ec2.vpcEndpoint,
  "aws:ec2/routeTable:RouteTable": ec2.routeTable,
  "aws:ec2/routeTableAssociation:RouteTableAssociation": ec2.routeTableAssociation,
  "aws:ssm/parameter:Parameter": ssm.parameter,
  "aws:s3/bucketPolicy:BucketPolicy": s3.bucketPolicy,
  "aws:organizations/policy:Policy": organizations.policy,
  "aws:organizations/policyAttachment:PolicyAttachment": organizations.policyAttachment,
  "aws:dynamodb/table:Table": dynamodb.table,
  "aws:cloudwatch/metricAlarm:MetricAlarm": cloudwatch.metricAlarm,
};
