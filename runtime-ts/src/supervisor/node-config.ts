// Renders one node's part of the run plan as the node config that the node host reads from the
// file named by INTEROP_NODE_CONFIG (docs/config.md, "Node config"). This file is the only place
// that knows that format: the rest of the supervisor works on the plan.

import type { NodePlan } from './run-plan.js';

export function renderNodeConfig(plan: NodePlan): Record<string, unknown> {
  const { node } = plan;
  return {
    node: node.name,
    modules: node.modules,
    ...(plan.control !== undefined ? { control: plan.control } : {}),
    ...(plan.servesStdio ? { stdio: true } : {}),
    listen: plan.listen,
    connect: plan.connect.map((c) => ({ node: c.node, address: c.address, codec: c.codec, ...memberCodecs(c), modules: c.modules })),
    plugins: plan.plugins.map((p) => ({ node: p.node, command: p.command, cwd: p.cwd, env: p.env, codec: p.codec, ...memberCodecs(p), modules: p.modules })),
    ...(node.limits !== undefined ? { limits: node.limits } : {}),
    ...(node.packages !== undefined ? { packages: node.packages } : {}),
    ...(node.web !== undefined ? { web: node.web } : {}),
  };
}

function memberCodecs(link: { memberCodecs?: Record<string, string> }): { member_codecs?: Record<string, string> } {
  return link.memberCodecs ? { member_codecs: link.memberCodecs } : {};
}
