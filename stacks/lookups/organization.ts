import * as aws from "@pulumi/aws";
import type { OrganizationView } from "../../src/config/placement";

/**
 * The organization as Organizations reports it through the management account: its management account
 * (DescribeOrganization, aws.organizations.getOrganization with returnOrganizationOnly) and the accounts under each
 * OU or root the guardrails target or the config declares (ListAccountsForParent and ListOrganizationalUnitsForParent
 * at every depth, aws.organizations.getOrganizationalUnitDescendantAccounts).
 */
export async function organizationView(parentIds: readonly string[], provider: aws.Provider): Promise<OrganizationView> {
  const organization = await aws.organizations.getOrganization({ returnOrganizationOnly: true }, { provider });
  const accountsUnder = await Promise.all(
    parentIds.map(async (parentId) => [parentId, (await aws.organizations.getOrganizationalUnitDescendantAccounts({ parentId }, { provider })).accounts.map((a) => a.id)] as const),
  );
  return { managementAccountId: organization.masterAccountId, accountsUnder: new Map(accountsUnder) };
}
