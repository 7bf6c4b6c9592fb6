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

  it('reads tcptrace\'s counts: a reset either way, else a FIN either way, else open', () => {
    expect(classifyClose('SYN/FIN a2b 0/1 b2a 0/1; RST 0/0', undefined)).to.equal('fin');
    expect(classifyClose('SYN/FIN a2b 1/0 b2a 1/0; RST 1/0', undefined)).to.equal('rst');
    expect(classifyClose('SYN/FIN a2b 1/0 b2a 1/0; RST 0/0', undefined)).to.equal('open');
  });
});
