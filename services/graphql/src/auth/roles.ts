import type { Agency } from '@hub/domain';

/** Who reads through GraphQL (people, not agency systems). */
export const ROLES = [
  'analyst',
  'procurator',
  'agency_officer',
  'court_clerk',
  'auditor',
  // Manages users and agency credentials in the console; reads no rows.
  'administrator',
] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role =>
  (ROLES as readonly unknown[]).includes(value);

/** The signed-in person, from a verified token. */
export interface Viewer {
  userId: string;
  name: string;
  role: Role;
  /** Agency officers only: their agency. */
  agency?: Agency;
  /**
   * The division codes the person works in: every role reads only rows of these units and
   * what lies inside them (`000000`: the whole country). None: the person sees no rows.
   */
  units?: string[];
}
