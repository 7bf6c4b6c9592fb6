import { realFixtureCases, scoreRealCase } from './real-fixture-cases.js';

/**
 * Prints the ideal model's agreement with every real output under test/fixtures/real/ (the closing note's
 * measure): cases agreeing / all cases, and the tool's rule behind every case where the tool differs from the naive
 * "a silence longer than the global timeout" model. `node dist/test/support/measure-agreement.js [--foreground]`
 */
const foregroundOnly = process.argv.includes('--foreground');
let all = 0;
let agree = 0;
let naiveAgree = 0;
for (const c of await realFixtureCases()) {
  for (const { key, score } of await scoreRealCase(c)) {
    if (foregroundOnly && score.background) continue;
    all += 1;
    if (score.modelAgreement === 'as-predicted' || score.modelAgreement === 'within-range') agree += 1;
    else console.log(`MODEL ${score.modelAgreement ?? 'no prediction'} ${key}: real ${score.fragments}, model ${score.predictedFragments ?? JSON.stringify(score.predictedRange)}`);
    if (score.naivePredictedFragments === score.fragments) naiveAgree += 1;
    else console.log(`naive ${score.naivePredictedFragments ?? '-'} real ${score.fragments} ${key}\n    ${(score.timerRules ?? ['NO RULE']).join('\n    ')}`);
  }
}
console.log(`model agrees ${agree}/${all}; naive model ${naiveAgree}/${all}`);
