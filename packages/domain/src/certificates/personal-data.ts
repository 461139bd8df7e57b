/**
 * What the pure code needs of personal-data protection, implemented at the edge (keys live in
 * configuration). A match key is a keyed hash: equal values give equal keys, nothing more.
 * A sealed value is an encrypted copy that authorized readers can open, recorded as they do.
 */
export interface PersonalDataProtector {
  matchKey(value: string): string;
  seal(value: string): string;
}
