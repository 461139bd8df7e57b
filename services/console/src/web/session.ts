import { createContext, useContext } from 'react';

export interface User {
  userId: string;
  name: string;
  role: string;
  agency?: string;
  units?: string[];
  login: string | null;
  hasPassword: boolean;
}
export const UserContext = createContext<User | undefined>(undefined);
export const useUser = () => useContext(UserContext)!;

/** The console's own navigation: the address bar is the page (links work, Back works). */
export function navigate(path: string) {
  window.history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
