/** Text from the kubelet or a registry, made fit for a condition or Event message: one line, bounded. Pure. */
export function clipText(text: string, maxLength: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is replaced.
  const oneLine = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  if (oneLine.length <= maxLength) return oneLine;
  return `${oneLine.slice(0, Math.max(0, maxLength - 3))}...`;
}
