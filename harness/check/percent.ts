/** A fraction as a percentage for messages: `0.4213` -> `42.13%`, never rounding a shortfall up to `100%`. */
export function percent(fraction: number): string {
  const value = fraction * 100;
  if (value === 0 || value === 100) return `${value}%`;
  if (value < 0.1) return `${value.toPrecision(2)}%`;
  const fixed = value.toFixed(2);
  const text = fixed === '100.00' && value < 100 ? '99.99' : fixed.replace(/\.?0+$/, '');
  return `${text}%`;
}
