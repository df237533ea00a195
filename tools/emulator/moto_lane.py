"""moto in server mode on 127.0.0.1 for the engine lane, with an organization whose member accounts have fixed ids.

moto generates random ids for the accounts of an organization and has no invitation handshake, but modelshare's
guardrail attaches an SCP to the ML account itself (by id), so the organization must contain the accounts the
stack files name. This launcher creates the organization in the management account and registers the member
accounts under the given ids, the way moto itself registers the management account, then serves until stopped.
Everything else the lane needs it creates through the AWS APIs.
"""

import argparse
import signal
import sys
import threading

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--management-account", required=True)
    parser.add_argument("--member-accounts", default="", help="comma-separated account ids")
    args = parser.parse_args()

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
