// Rules of this part of the catalogue; lambda/rules/index.ts merges every part.
import type { Rule } from '../../core/rule';

export const RULES: readonly Rule[] = [];
