"""A short banking flow written with the Python client openapi-python-client generates from the
OpenAPI document, as an integrator would write it: every call goes through a generated function.

Run by test/e2e/generatedClients.test.ts: argv[1] is the API's base URL, COREBANK_SYSTEM_TOKEN a
bank token. Tokens come from the bank's identity provider, not from the API, so the client's own
token is read from stdin once the client exists (the one test hook). Each step prints one JSON line.
"""

import datetime
import json
import os
import sys
import time
import uuid

from corebank_client import AuthenticatedClient
from corebank_client.api.accounts import create_account, search_accounts
from corebank_client.api.clients import create_client
from corebank_client.api.notifications import list_notifications
from corebank_client.api.payments import create_payment
from corebank_client.api.transactions import get_account_statement, get_account_statement_csv
from corebank_client.api.transfers import confirm_outgoing_transfer, create_outgoing_transfer, get_outgoing_transfer
from corebank_client.models import (
    AccountKind,
    AccountPurpose,
    AccountSearch,
    ClientType,
    ConfirmTransfer,
    Country,
    CreateAccount,
    CreateClient,
    CreateOutgoingTransfer,
    CreatePayment,
    Currency,
    Failure,
    RecipientInput,
    TransferStatus,
)


def emit(step, **fields):
    print(json.dumps({"step": step, **fields}), flush=True)


def ok(answer):
    """The payload of a success envelope; a Failure (or no answer) stops the flow with its code."""
    if isinstance(answer, Failure):
        error = answer.errors[0]
        raise SystemExit(f"failed: {error.metadata.code} {error.message}")
    if answer is None:
        raise SystemExit("failed: an answer the document does not declare")
    return answer.value


def main():
    base_url = sys.argv[1]
    bank = AuthenticatedClient(base_url=base_url, token=os.environ["COREBANK_SYSTEM_TOKEN"])
    run = uuid.uuid4().hex[:8]

    client = ok(
        create_client.sync(
            client=bank,
            body=CreateClient(
                type_=ClientType.INDIVIDUAL,
                first_name="Ada",
                last_name="Lovelace",
                email=f"ada-{run}@example.com",
                country=Country.GB,
            ),
            idempotency_key=f"client-{run}",
        )
    )
    account = ok(
        create_account.sync(
            client=bank,
            body=CreateAccount(client_id=client.id, currency=Currency.EUR, purpose=AccountPurpose.CURRENT, name="Main"),
        )
    )
    settlement = ok(
        search_accounts.sync(
            client=bank,
            body=AccountSearch(kind=AccountKind.INTERNAL, currency=Currency.EUR, purpose=AccountPurpose.SETTLEMENT),
        )
    ).items[0]

    # Pay money in; sent twice with one Idempotency-Key, as after a timeout: one payment.
    funding = CreatePayment(
        debit_account_id=settlement.id, credit_account_id=account.id, amount="100.00", currency=Currency.EUR
    )
    paid = create_payment.sync_detailed(client=bank, body=funding, idempotency_key=f"fund-{run}")
    again = create_payment.sync_detailed(client=bank, body=funding, idempotency_key=f"fund-{run}")
    payment, repeated = ok(paid.parsed), ok(again.parsed)
    emit(
        "paid",
        clientId=str(client.id),
        accountId=str(account.id),
        paymentId=str(payment.id),
        paymentStatus=str(payment.status),
        repeatedPaymentId=str(repeated.id),
        replayed=again.headers.get("idempotent-replayed"),
    )

    me = AuthenticatedClient(base_url=base_url, token=sys.stdin.readline().strip())
    transfer = ok(
        create_outgoing_transfer.sync(
            client=me,
            body=CreateOutgoingTransfer(
                account_id=account.id,
                amount="10.00",
                currency=Currency.EUR,
                reference=f"invoice {run}",
                recipient=RecipientInput(
                    name="Jane Roe", iban="DE89370400440532013000", country=Country.DE, currency=Currency.EUR
                ),
            ),
            idempotency_key=f"transfer-{run}",
        )
    )
    emit("transfer", transferId=str(transfer.id), status=str(transfer.status), fee=transfer.fee)

    # A wrong code first: the failure is a Failure envelope whose code is an ErrorCode.
    wrong = confirm_outgoing_transfer.sync_detailed(transfer.id, client=me, body=ConfirmTransfer(code="000000"))
    wrong_code = wrong.parsed.errors[0].metadata.code if isinstance(wrong.parsed, Failure) else None
    emit("wrongCode", status=int(wrong.status_code), code=str(wrong_code), isErrorCode=type(wrong_code).__name__)

    # The local notifier keeps what it sends; the bank reads the code the client was sent.
    notices = ok(list_notifications.sync(client=bank, client_id=client.id, limit=5)).items
    code = next(n.body.split("code is ")[1][:6] for n in notices if "code is " in n.body)
    confirmed = ok(confirm_outgoing_transfer.sync(transfer.id, client=me, body=ConfirmTransfer(code=code)))
    emit("confirmed", status=str(confirmed.status))

    deadline = time.monotonic() + 60
    while True:
        transfer = ok(get_outgoing_transfer.sync(transfer.id, client=me))
        if transfer.status in (TransferStatus.COMPLETED, TransferStatus.FAILED, TransferStatus.STUCK) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    emit("settled", status=str(transfer.status))

    today = datetime.datetime.now(datetime.timezone.utc).date()
    statement = ok(get_account_statement.sync(client=bank, account_id=account.id, from_=today, to=today))
    csv = get_account_statement_csv.sync(client=bank, account_id=account.id, from_=today, to=today)
    if isinstance(csv, Failure) or csv is None:
        raise SystemExit("failed: the CSV statement")
    emit(
        "statement",
        openingBalance=statement.opening_balance,
        closingBalance=statement.closing_balance,
        totalDebits=statement.total_debits,
        totalCredits=statement.total_credits,
        entries=[{"type": str(e.type_), "debit": e.debit, "credit": e.credit, "balance": e.balance} for e in statement.entries],
        csv=csv.strip().splitlines(),
    )


if __name__ == "__main__":
    main()
