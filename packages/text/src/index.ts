export {
  CHARACTER_RULE, DESCRIPTION_MAX_CHARS, FREE_TEXT_PATTERN, TEXT_VALUE_PATTERN, characterProblem, charCount, checkFreeText,
  checkTextValue, type FreeTextCheck,
} from './free-text.ts';
