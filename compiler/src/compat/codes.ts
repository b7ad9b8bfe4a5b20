// The codes of `interopc breaking` (E06xx): each kind of breaking change between two versions of
// a module. Stable, like the checker's codes; docs/errors.md documents each one with an example,
// and test/schemas/breaking/ has a case per code.

export const BREAKING_CODES = {
  E0601: 'module removed',
  E0602: 'function removed',
  E0603: 'event removed',
  E0604: 'type removed',
  E0605: 'kind changed',
  E0606: 'result or payload changed',
  E0607: 'member type changed',
  E0608: 'member renamed',
  E0609: 'member id or value changed',
  E0610: 'required member or union case added or removed',
  E0611: 'member removed without reserving its id and name',
} as const;

export type BreakingCode = keyof typeof BREAKING_CODES;
