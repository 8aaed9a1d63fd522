import { describe, expect, it } from 'vitest';
import { createBuiltinCapabilities, createCapabilityRegistry, defineCapability, type Capability } from '../../../src/capabilities/index.ts';
import { isDaemonError } from '../../../src/errors/index.ts';

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const registry = createCapabilityRegistry(createBuiltinCapabilities());

describe('CapabilityRegistry', () => {
  describe('#get', () => {
    it('finds a registered capability by name', () => {
      expect(registry.get('http.fetch').name).toBe('http.fetch');
      expect(registry.has('fs.read')).toBe(true);
    });

    it('throws CAPABILITY_UNKNOWN for an unknown name', () => {
      const error = catchError(() => registry.get('shell.exec'));
      expect(isDaemonError(error) && error.code).toBe('CAPABILITY_UNKNOWN');
      expect((error as Error).message).toBe('Cannot call capability "shell.exec": no such capability');
    });
  });

  describe('#names', () => {
    it('lists the built-ins sorted, without kv when no store is given', () => {
      expect(registry.names()).toEqual(['clock.now', 'fs.delete', 'fs.list', 'fs.read', 'fs.write', 'http.fetch', 'random.bytes']);
      expect(registry.describe().map((d) => [d.name, d.sideEffects])).toContainEqual(['fs.read', false]);
    });
  });

  describe('#validateArgs', () => {
    it('returns valid args unchanged', () => {
      const args = { url: 'https://example.com/', headers: { authorization: { $secret: 'token' } } };
      expect(registry.validateArgs('http.fetch', args)).toBe(args);
    });

    it('validates omitted args as an empty object', () => {
      expect(registry.validateArgs('clock.now', undefined)).toEqual({});
    });

    it('reports every violation with its JSON pointer', () => {
      const error = catchError(() => registry.validateArgs('http.fetch', { url: 5, method: 'TRACE', extra: true, headers: { 'x-n': 7 } }));
      expect(isDaemonError(error) && error.code).toBe('CAPABILITY_INVALID_ARGS');
      const pointers = ((error as { details: { errors: { pointer: string }[] } }).details.errors).map((e) => e.pointer);
      expect(pointers).toEqual(expect.arrayContaining(['/url', '/method', '/extra', '/headers/x-n']));
      expect((error as Error).message).toMatch(/^Invalid arguments for capability "http\.fetch": \/\w+ .+ \(and \d+ more\)$/);
    });

    it('points at a missing required property', () => {
      const error = catchError(() => registry.validateArgs('fs.write', { path: 'a.txt' }));
      expect((error as { details: { errors: unknown[] } }).details.errors).toEqual([{ pointer: '/content', message: 'is required', keyword: 'required' }]);
    });

    it('escapes "/" and "~" in pointers', () => {
      const error = catchError(() => registry.validateArgs('fs.read', { path: 'a', 'x/y~z': 1 }));
      expect((error as { details: { errors: { pointer: string }[] } }).details.errors[0]?.pointer).toBe('/x~1y~0z');
    });
  });

  describe('createCapabilityRegistry', () => {
    const noop = (name: string, argsSchema: Record<string, unknown> = { type: 'object' }): Capability =>
      defineCapability({ name, description: 'test', argsSchema, sideEffects: false, execute: async () => null });

    it('refuses duplicate names', () => {
      expect(() => createCapabilityRegistry([noop('a.b'), noop('a.b')])).toThrow('Cannot register capability "a.b": the name is taken');
    });

    it('refuses a schema that does not compile', () => {
      expect(() => createCapabilityRegistry([noop('a.b', { type: 'nope' })])).toThrow(/args schema does not compile/);
    });
  });
});
