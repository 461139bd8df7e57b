/** A console or API user as kept: who they are, what they may do, whether they are disabled. */
export interface UserRecord {
  id: string;
  name: string;
  role: string;
  agency: string | null;
  units: string[];
  createdAt: string;
  revokedAt: string | null;
}

export interface UserChange {
  role: string;
  agency: string | null;
  units: string[];
}

/**
 * Where users are kept: hub.db for an embedded hub, PostgreSQL in server mode so that every
 * API process sees one set of users. Validation stays in UserDirectory; stores only keep.
 */
export interface UserStore {
  insert(user: UserRecord): Promise<void>;
  find(id: string): Promise<UserRecord | undefined>;
  /** Every user, oldest first. */
  list(): Promise<UserRecord[]>;
  /** Changes a live user; false when the user is unknown or revoked. */
  update(id: string, change: UserChange): Promise<boolean>;
  /** Disables a live user; false when the user is unknown or already revoked. */
  revoke(id: string, at: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Units are kept as one comma-separated column in both stores. */
export const unitsOf = (column: string | null): string[] => (column ? column.split(',') : []);
