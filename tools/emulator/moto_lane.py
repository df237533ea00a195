"""moto in server mode on 127.0.0.1 for the engine lane, with an organization whose member accounts have fixed ids.

moto generates random ids for the accounts of an organization and has no invitation handshake, but modelshare's
guardrail attaches an SCP to the ML account itself (by id), so the organization must contain the accounts the
stack files name. This launcher creates the organization in the management account and registers the member
accounts under the given ids, the way moto itself registers the management account, then serves until stopped.
It also gives EC2's DescribeVpcEndpointServices the region's catalogue of AWS endpoint services the stacks look up
(moto builds its list from its own backends, which have no Rekognition, STS or SSM endpoint service, and needs
every backend's optional dependencies to build it at all). Everything else the lane needs it creates through the
AWS APIs.
"""

import argparse
import signal
import sys
import threading

from moto.core.base_backend import BaseBackend
from moto.ec2.models import vpcs as ec2_vpcs
from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend
from moto.organizations import utils as org_utils
from moto.organizations.models import FakeAccount, organizations_backends
from moto.server import ThreadedMotoServer


def seed_organization(management_account: str, members: list[str], region: str) -> None:
    backend = organizations_backends[management_account]["aws"]
    backend.create_organization(region=region, FeatureSet="ALL")
    for account_id in members:
        account = FakeAccount(backend.org, AccountName=f"account-{account_id}", Email=f"{account_id}@example.com")
        account.id = account_id
        backend.accounts.append(account)
        for policy_id in (org_utils.DEFAULT_SCP_POLICY_ID, org_utils.DEFAULT_RCP_POLICY_ID):
            backend.attach_policy(PolicyId=policy_id, TargetId=account_id)
        organizations_backends.master_accounts[account_id] = (management_account, "aws")


# AWS services offering endpoints that the stacks look up, by type (add a name when a stack needs another).
INTERFACE_SERVICES = ["ecr.api", "ecr.dkr", "eks-auth", "logs", "rekognition", "rekognition-fips", "ssm", "sts"]
GATEWAY_SERVICES = ["dynamodb", "s3"]


def seed_endpoint_services(region: str) -> None:
    zones = [zone.name for zone in RegionsAndZonesBackend.zones.get(region, [])]
    services = []
    for name in INTERFACE_SERVICES:
        services += BaseBackend.default_vpc_endpoint_service_factory(region, zones, name)
    for name in GATEWAY_SERVICES:
        services += BaseBackend.default_vpc_endpoint_service_factory(region, zones, name, "Gateway", private_dns_names=False)
    ec2_vpcs.DEFAULT_VPC_ENDPOINT_SERVICES[region] = services


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--management-account", required=True)
    parser.add_argument("--member-accounts", default="", help="comma-separated account ids")
    args = parser.parse_args()

    seed_endpoint_services(args.region)
    seed_organization(args.management_account, [a for a in args.member_accounts.split(",") if a], args.region)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    print(f"moto listening on http://127.0.0.1:{args.port}", flush=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
