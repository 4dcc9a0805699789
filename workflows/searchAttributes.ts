import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes, so the Temporal UI can list for example every stuck transfer. */
export const PaymentStatusKey = defineSearchAttributeKey('PaymentStatus', SearchAttributeType.KEYWORD);
export const TransferStatusKey = defineSearchAttributeKey('TransferStatus', SearchAttributeType.KEYWORD);
export const TransferTypeKey = defineSearchAttributeKey('TransferType', SearchAttributeType.KEYWORD);
export const ClientIdKey = defineSearchAttributeKey('ClientId', SearchAttributeType.KEYWORD);
/** A list: a payment touches two accounts. */
export const AccountIdKey = defineSearchAttributeKey('AccountId', SearchAttributeType.KEYWORD_LIST);

export const ALL_SEARCH_ATTRIBUTE_KEYS = [PaymentStatusKey, TransferStatusKey, TransferTypeKey, ClientIdKey, AccountIdKey];
