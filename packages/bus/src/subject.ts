import { BadSubjectError } from './errors.js';

/**
 * Subjects follow NATS rules so the memory bus and the NATS bus accept exactly the same
 * names: dot-separated non-empty tokens without white space; in subscriptions `*` matches
 * one token and a final `>` matches one or more.
 */
const TOKEN_FORBIDDEN = /[\s]/;

export function assertPublishSubject(subject: string): void {
  const tokens = splitSubject(subject);
  for (const token of tokens) {
    if (token === '*' || token === '>')
      throw new BadSubjectError(subject, 'wildcards are only for subscriptions');
  }
}

export function assertSubscribeSubject(subject: string): void {
  const tokens = splitSubject(subject);
  tokens.forEach((token, i) => {
    if (token === '>' && i !== tokens.length - 1)
      throw new BadSubjectError(subject, '">" must be the last token');
  });
}

function splitSubject(subject: string): string[] {
  if (subject.length === 0) throw new BadSubjectError(subject, 'empty');
  const tokens = subject.split('.');
  for (const token of tokens) {
    if (token.length === 0) throw new BadSubjectError(subject, 'empty token');
    if (TOKEN_FORBIDDEN.test(token)) throw new BadSubjectError(subject, 'white space');
  }
  return tokens;
}

/** Whether a concrete subject matches a subscription pattern. */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>') return s.length > i;
    if (i >= s.length) return false;
    if (token !== '*' && token !== s[i]) return false;
  }
  return p.length === s.length;
}

export function isWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('>');
}
