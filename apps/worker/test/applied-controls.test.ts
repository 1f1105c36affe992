import { describe, expect, it } from 'vitest';
import { APPLIED_CONTROLS_KEPT_MAX, APPLIED_CONTROLS_KEPT_MS, AppliedControls } from '../src/workflows/applied-controls.ts';

const at = (ms: number) => new Date(Date.UTC(2030, 0, 1) + ms);

describe('the controls a mandate carries into its next run', () => {
  it('remembers what it applied and what the previous run handed it', () => {
    const carried = new AppliedControls([{ id: 'ctl_a', at: at(0).toISOString() }]);
    carried.add('ctl_b', at(1_000));
    expect(carried.has('ctl_a')).toBe(true);
    expect(carried.has('ctl_b')).toBe(true);
    expect(carried.has('ctl_c')).toBe(false);
    expect(new AppliedControls(carried.carry(at(2_000))).has('ctl_a')).toBe(true);
  });

  it('keeps those applied within the last 24 hours, and at most the newest 1,000', () => {
    const controls = new AppliedControls(undefined);
    controls.add('old', at(0));
    controls.add('recent', at(1));
    expect(controls.carry(at(APPLIED_CONTROLS_KEPT_MS)).map(({ id }) => id)).toEqual(['recent']);

    const many = new AppliedControls(undefined);
    for (let n = 0; n <= APPLIED_CONTROLS_KEPT_MAX; n += 1) many.add(`ctl_${n}`, at(n));
    const kept = many.carry(at(APPLIED_CONTROLS_KEPT_MAX));
    expect(kept).toHaveLength(APPLIED_CONTROLS_KEPT_MAX);
    expect(kept[0]?.id).toBe('ctl_1');
    expect(kept.at(-1)?.id).toBe(`ctl_${APPLIED_CONTROLS_KEPT_MAX}`);
  });
});
