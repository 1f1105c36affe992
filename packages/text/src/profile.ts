// The machine-read fields of a customer's billing profile, one rule for the REST schemas and the
// service that stores them (the names and addresses a person writes are free text instead).

/** An e-mail address: ASCII, a local part, "@" and a dotted domain; at most 254 characters. */
export const EMAIL_PATTERN =
  "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";
export const EMAIL_MAX_CHARS = 254;
export const EMAIL_RULE = 'must be an e-mail address such as billing@example.com (ASCII, at most 254 characters)';

/** ISO 3166-1 alpha-2, upper case. */
export const COUNTRY_PATTERN = '^[A-Z]{2}$';
export const COUNTRY_RULE = 'must be an ISO 3166-1 alpha-2 country code such as DE';

/** An e-invoicing address `scheme:id`: a 4-digit EAS scheme and the identifier in it. */
export const ELECTRONIC_ADDRESS_PATTERN = '^[0-9]{4}:[\\x21-\\x7e]{1,100}$';
export const ELECTRONIC_ADDRESS_RULE = 'must be "scheme:id" with a 4-digit EAS scheme, such as 0088:7300010000001';

const EMAIL = new RegExp(EMAIL_PATTERN);
const COUNTRY = new RegExp(COUNTRY_PATTERN);
const ELECTRONIC_ADDRESS = new RegExp(ELECTRONIC_ADDRESS_PATTERN);

export function isEmail(value: string): boolean {
  return value.length <= EMAIL_MAX_CHARS && EMAIL.test(value);
}

export function isCountryCode(value: string): boolean {
  return COUNTRY.test(value);
}

export function isElectronicAddress(value: string): boolean {
  return ELECTRONIC_ADDRESS.test(value);
}
