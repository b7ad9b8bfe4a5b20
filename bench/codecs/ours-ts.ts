// Our generated TypeScript codecs for the shapes (interopc gen --lang ts → bench/out/gen/ts).
import type { ShapeName } from '../shapes/data.js';
import type { CodecContender } from './peers-ts.js';

export async function ourCodecs(_shape: ShapeName): Promise<{ contenders: CodecContender[]; missing?: string }> {
  return { contenders: [], missing: 'generated TypeScript codecs not available yet (interopc gen --lang ts)' };
}
