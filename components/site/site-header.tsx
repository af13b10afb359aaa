import Link from 'next/link';
import { SearchBox } from './search-box.client';
import { SessionMenu } from './session-menu.client';
import { ThemeToggle } from './theme-toggle.client';

export function SiteHeader() {
  return (
    <header className="site-header">
      <Link href="/" className="brand" aria-label="Cauce, inicio">
        <svg aria-hidden="true" width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round">
          <path d="M3 7c3 0 3 3 6 3s3-3 6-3 3 3 6 3M3 14c3 0 3 3 6 3s3-3 6-3 3 3 6 3" />
        </svg>
        <span>Cauce</span>
      </Link>
      <nav aria-label="Principal" className="site-nav">
        <Link href="/">Cursos</Link>
      </nav>
      <SearchBox />
      <ThemeToggle />
      <SessionMenu />
    </header>
  );
}
