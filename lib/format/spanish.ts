/** Small Spanish wording helpers shared by the server (verdicts) and the pages (dashboards). */

/** «1 intento», «3 intentos»: the count with the noun in the form Spanish needs. */
export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}
