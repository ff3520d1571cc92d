/** The browser's targets over a browser-level CDP session: playwright does not list SharedWorkers. */
import type { CDPSession } from 'playwright-core';

export interface TargetInfo {
  readonly targetId: string;
  readonly type: string;
  readonly url: string;
}

/** Every SharedWorker the browser runs now (CDP `Target.getTargets`, type `shared_worker`). */
export async function sharedWorkers(cdp: CDPSession): Promise<TargetInfo[]> {
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: TargetInfo[] };
  return targetInfos.filter((target) => target.type === 'shared_worker');
}
