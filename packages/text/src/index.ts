export {
  CHARACTER_RULE, DESCRIPTION_MAX_CHARS, FREE_TEXT_PATTERN, TEXT_VALUE_PATTERN, characterProblem, charCount, checkFreeText,
  checkTextValue, type FreeTextCheck,
} from './free-text.ts';
export { CUSTOMER_ID_PATTERN, CUSTOMER_ID_RULE, isCustomerId } from './customer-id.ts';
