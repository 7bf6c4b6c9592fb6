import { expect } from 'chai';
import { classifyClose } from '../../harness/comparator/close-state.js';

describe('classifyClose', () => {
  it('maps Zeek, argus, Suricata and flag texts', () => {
    expect(classifyClose('SF', 'ShADdFf')).to.equal('fin');
    expect(classifyClose('RSTR', undefined)).to.equal('rst');
    expect(classifyClose('S1', 'ShADd')).to.equal('open');
    expect(classifyClose('OTH', 'DdAFf')).to.equal('fin');
    expect(classifyClose('OTH', 'DdA')).to.equal('open');
    expect(classifyClose('CON', undefined)).to.equal('open');
    expect(classifyClose('closed', undefined)).to.equal('closed');
    expect(classifyClose(undefined, '.AP.SF|.A..R.')).to.equal('rst');
    expect(classifyClose('weird words', undefined)).to.equal(undefined);
    expect(classifyClose(undefined, undefined)).to.equal(undefined);
  });
});
