import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { SiteHeader } from '@/components/site/site-header';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Cauce — ingeniería de datos con laboratorio real', template: '%s · Cauce' },
  description: 'Cursos interactivos en español de Kafka, Airflow y Hadoop, con ejemplos que se ejecutan en un laboratorio real.',
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#f7f8fa' },
    { media: '(prefers-color-scheme: dark)', color: '#15181d' },
  ],
};

/** Applies the saved or system theme before first paint, so there is no light flash in dark mode. */
const themeScript = `try{var t=localStorage.getItem('cauce:theme');if(t!=='light'&&t!=='dark')t=matchMedia('(prefers-color-scheme: dark)').matches?'dark':'light';document.documentElement.dataset.theme=t}catch(e){}`;

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="es" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body>
        <a className="skip-link" href="#contenido">
          Saltar al contenido
        </a>
        <SiteHeader />
        <main id="contenido" tabIndex={-1}>
          {children}
        </main>
        <footer className="site-footer">
          <p>Cauce · cursos de ingeniería de datos con laboratorio real · textos originales en español adaptados a lecciones</p>
        </footer>
      </body>
    </html>
  );
}
