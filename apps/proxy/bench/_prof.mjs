import { startBenchStack, run } from '/work/wt-proxy/apps/proxy/bench/stack.mjs';
const s = await startBenchStack({ proxyEnv: { NODE_OPTIONS: '--cpu-prof --cpu-prof-dir=/tmp/proxyprof' } });
try {
  const out = await run('wrk', ['-t1', '-c64', '-d6s', '-H', `Authorization: Bearer ${s.runtimeToken}`, `${s.proxies[0].url}/api/v1/agents/${s.agentId}/invoke/bench`]);
  console.log(/Requests\/sec:.*/.exec(out)[0]);
} finally { await s.stop(); }
