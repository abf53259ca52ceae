export const CODE_CASES = [];
