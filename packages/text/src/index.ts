export {
  CHARACTER_RULE, DESCRIPTION_MAX_CHARS, FREE_TEXT_PATTERN, TEXT_VALUE_PATTERN, characterProblem, charCount, checkFreeText,
  checkTextValue, type FreeTextCheck,
} from './free-text.ts';
export { CUSTOMER_ID_PATTERN, CUSTOMER_ID_RULE, isCustomerId } from './customer-id.ts';
export {
  COUNTRY_PATTERN, COUNTRY_RULE, ELECTRONIC_ADDRESS_PATTERN, ELECTRONIC_ADDRESS_RULE, EMAIL_MAX_CHARS, EMAIL_PATTERN, EMAIL_RULE,
  isCountryCode, isElectronicAddress, isEmail,
} from './profile.ts';
