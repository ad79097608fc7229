import { describe, expect, it } from 'vitest';

import { StopStringMatcher } from '../../lib/generation/StopStringMatcher.js';

describe('StopStringMatcher', () => {
  it('holds back a possible stop string and cuts before a complete one', () => {
    const m = new StopStringMatcher(['USER:', '###']);
    expect(m.push('Hello ')).toEqual({ emit: 'Hello ', stopped: false });
    expect(m.push('US')).toEqual({ emit: '', stopped: false });
    expect(m.push('E')).toEqual({ emit: '', stopped: false });
    expect(m.push('D it')).toEqual({ emit: 'USED it', stopped: false });
    expect(m.push(' #')).toEqual({ emit: ' ', stopped: false });
    expect(m.push('##x')).toEqual({ emit: '', stopped: true });
  });

  it('returns held text at the end', () => {
    const m = new StopStringMatcher(['</s>']);
    expect(m.push('a </')).toEqual({ emit: 'a ', stopped: false });
    expect(m.flush()).toBe('</');
  });
});
