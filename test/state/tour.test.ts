/** TourState: the welcome on a first visit only, the linked step, moving through the steps, the link's step. */
import { describe, expect, it } from 'vitest';
import { TOUR_STEPS, TourState, type SmallStore } from '../../src/state/tour.svelte.ts';

const memory = (): SmallStore & { data: Map<string, string> } => {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
};

describe('TourState', () => {
  it('opens with the welcome on a first visit, and not once it was closed', () => {
    const store = memory();
    const first = new TourState(undefined, store);
    expect(first.open).toBe(true);
    expect(first.step.id).toBe('welcome');
    expect(first.linkStep).toBe('welcome');
    first.close();
    expect(first.linkStep).toBeUndefined();
    expect(new TourState(undefined, store).open).toBe(false);
  });

  it('opens at a linked step even after the welcome was dismissed; an unknown step changes nothing', () => {
    const store = memory();
    new TourState(undefined, store).close();
    const linked = new TourState('limits', store);
    expect(linked.open).toBe(true);
    expect(linked.step.id).toBe('limits');
    expect(new TourState('nowhere', store).open).toBe(false);
  });

  it('moves between the first and last step, and restarts from the welcome once finished', () => {
    const t = new TourState(undefined, memory());
    t.back();
    expect(t.index).toBe(0);
    for (let i = 0; i < TOUR_STEPS.length + 3; i++) t.next();
    expect(t.last).toBe(true);
    expect(t.step.id).toBe('your-turn');
    t.close();
    t.start();
    expect(t.open).toBe(true);
    expect(t.index).toBe(0);
    t.goTo('measuring');
    t.close();
    t.start();
    expect(t.step.id).toBe('measuring'); // where the learner left it
  });

  it('works without storage: the welcome shows, nothing throws', () => {
    const broken: SmallStore = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
    };
    const t = new TourState(undefined, broken);
    expect(t.open).toBe(true);
    expect(() => t.close()).not.toThrow();
    expect(new TourState(undefined, null).open).toBe(true);
  });
});
