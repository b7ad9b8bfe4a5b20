// Writes one schema of N declarations twice: as .interop and as the equivalent .proto. The mix
// follows bench/compiler/check-10k.ts (structs, enums, unions, errors, functions) but keeps to
// what proto3 can say too: no aliases, constants or events; a union is a message with a oneof;
// an error is a message; each function is one rpc (its params and result messages are generated
// on the protobuf side, as protobuf requires).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MIX = { struct: 45, enum: 12, union: 10, error: 5, fn: 28 };

export function writeSchemas(dir: string, total: number): { interop: string; proto: string } {
  const n = Object.fromEntries(Object.entries(MIX).map(([k, v]) => [k, Math.max(1, Math.round((total * v) / 100))])) as Record<keyof typeof MIX, number>;
  const idl: string[] = ['/// Generated for the compiler comparison.', 'module bench.big version "1.0.0";', ''];
  const pb: string[] = ['// Generated for the compiler comparison: the equivalent of big.interop.', 'syntax = "proto3";', 'package bench.big;', ''];

  for (let i = 0; i < n.enum; i++) {
    idl.push(`enum Enum${i} {`, '  UNKNOWN = 0;', '  FIRST = 1;', '  SECOND = 2;', '  THIRD = 3;', '}', '');
    pb.push(`enum Enum${i} {`, `  ENUM${i}_UNKNOWN = 0;`, `  ENUM${i}_FIRST = 1;`, `  ENUM${i}_SECOND = 2;`, `  ENUM${i}_THIRD = 3;`, '}', '');
  }
  for (let i = 0; i < n.struct; i++) {
    const e = `Enum${i % n.enum}`;
    const child = `Struct${(i * 7) % n.struct}`;
    idl.push(
      `/// Struct number ${i}.`,
      `struct Struct${i} {`,
      '  1: id: u64;',
      '  2: name: string;',
      `  3: kind: ${e};`,
      `  4: parent?: Struct${i};`,
      `  5: children: list<${child}>;`,
      '  6: attrs: map<string, u64>;',
      i > 0 ? `  7: prev?: Struct${i - 1};` : '  7: first: bool;',
      '}',
      '',
    );
    pb.push(
      `// Struct number ${i}.`,
      `message Struct${i} {`,
      '  uint64 id = 1;',
      '  string name = 2;',
      `  ${e} kind = 3;`,
      `  optional Struct${i} parent = 4;`,
      `  repeated ${child} children = 5;`,
      '  map<string, uint64> attrs = 6;',
      i > 0 ? `  optional Struct${i - 1} prev = 7;` : '  bool first = 7;',
      '}',
      '',
    );
  }
  for (let i = 0; i < n.union; i++) {
    const s = `Struct${i % n.struct}`;
    idl.push(`union Union${i} {`, `  1: a: ${s};`, '  2: b: string;', '  3: c: f64;', '}', '');
    pb.push(`message Union${i} {`, '  oneof value {', `    ${s} a = 1;`, '    string b = 2;', '    double c = 3;', '  }', '}', '');
  }
  for (let i = 0; i < n.error; i++) {
    idl.push(`error Error${i} {`, '  1: message: string;', '  2: code: i32;', '}', '');
    pb.push(`message Error${i} {`, '  string message = 1;', '  int32 code = 2;', '}', '');
  }
  pb.push('service Big {');
  const msgs: string[] = [];
  for (let i = 0; i < n.fn; i++) {
    const s = `Struct${i % n.struct}`;
    idl.push(`/// Function ${i}.`, `fn call${i}(1: item: ${s}, 2: limit?: u32) -> list<${s}> throws Error${i % n.error};`);
    pb.push(`  // Function ${i}.`, `  rpc Call${i}(Call${i}Params) returns (Call${i}Result);`);
    msgs.push(`message Call${i}Params {`, `  ${s} item = 1;`, '  optional uint32 limit = 2;', '}', `message Call${i}Result {`, `  repeated ${s} items = 1;`, '}', '');
  }
  pb.push('}', '', ...msgs);
  const interop = join(dir, 'big.interop');
  const proto = join(dir, 'big.proto');
  writeFileSync(interop, idl.join('\n') + '\n');
  writeFileSync(proto, pb.join('\n') + '\n');
  return { interop, proto };
}
