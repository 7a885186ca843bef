/**
 * Whether a version's completed computations are charged one by one (pay-per-use metering): only a
 * pay-per-use version whose terms carry a price per computation is; a subscription version is charged
 * by period, and a version without a price records nothing. With the price when charged, else why not.
 * The members' bridges and the operator's coordinator decide with it whether to ask the chaincode to
 * meter a job (the chaincode itself decides what is recorded).
 */
export function computationCharge(terms: {
  readonly businessModel?: string | undefined;
  readonly price?: { readonly perComputation?: string | undefined } | undefined;
}): { readonly charged: true; readonly amount: string } | { readonly charged: false; readonly reason: string } {
  if (terms.businessModel !== 'pay-per-use') return { charged: false, reason: `the version's business model is ${terms.businessModel ?? 'not known'}: computations are not charged one by one` };
  const amount = terms.price?.perComputation;
  if (amount === undefined || amount === '') return { charged: false, reason: "the version's terms carry no price per computation" };
  return { charged: true, amount };
}
