// The TS target's naming policy (compiler/src/targets/ts/names.ts): case per kind, one escape rule,
// @name overrides, uniqueness within a scope.

import { describe, expect, it } from 'vitest';
import { camelCase, escapeName, pascalCase, tsName, uniqueNames } from '../../compiler/src/targets/ts/names.js';

describe('TS names', () => {
  it('cases each kind of symbol', () => {
    expect(tsName('message_posted', 'event')).toBe('messagePosted');
    expect(tsName('retry_after_ms', 'field')).toBe('retryAfterMs');
    expect(tsName('user_id', 'type')).toBe('UserId');
    expect(tsName('HTTPServer', 'type')).toBe('HTTPServer');
    expect(tsName('MAX_SIZE', 'const')).toBe('MAX_SIZE');
    expect(tsName('HAPPY', 'enumMember')).toBe('HAPPY');
    expect(camelCase('getHTTPResponse')).toBe('getHTTPResponse'); // already camel: kept
    expect(camelCase('_private_key')).toBe('_privateKey');
    expect(pascalCase('xml_http_request')).toBe('XmlHttpRequest');
  });

  it('escapes reserved words with one rule, only where they are not allowed', () => {
    expect(tsName('class', 'param')).toBe('class_');
    expect(tsName('options', 'param')).toBe('options_'); // the client method's own parameter
    expect(tsName('string', 'type')).toBe('String_'); // Pascal first, then the global it would shadow
    expect(tsName('Map', 'type')).toBe('Map_');
    expect(tsName('class', 'field')).toBe('class'); // property names may be keywords
    expect(tsName('message', 'errorField')).toBe('message_'); // Error already has one
    expect(tsName('__proto__', 'field')).toBe('__proto');
    expect(escapeName('__proto__', 'field')).toBe('__proto___');
    expect(escapeName('constructor', 'enumMember')).toBe('constructor_');
  });

  it('honours @name(ts = …), still escaped', () => {
    expect(tsName('Class', 'type', { names: { ts: 'Klass', python: 'klass' } })).toBe('Klass');
    expect(tsName('id', 'param', { names: { ts: 'identifier' } })).toBe('identifier');
    expect(tsName('x', 'param', { names: { ts: 'delete' } })).toBe('delete_');
    expect(tsName('x', 'type', { names: { python: 'y' } })).toBe('X');
  });

  it('makes names unique in a scope by appending _', () => {
    expect(uniqueNames(['fooBar', 'fooBar', 'fooBar'])).toEqual(['fooBar', 'fooBar_', 'fooBar__']);
    expect(uniqueNames(['ChatClient'], ['ChatClient'])).toEqual(['ChatClient_']);
  });
});
