import { Alert, Anchor, AppShell, Burger, Button, Group, NavLink, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { lazy, Suspense } from 'react';
import { Link, NavLink as RouterNavLink, Route, Routes, useNavigate } from 'react-router';
import { useSession } from './auth/session';
import { CataloguePage } from './pages/CataloguePage';
import { Loading } from './components/Status';

// Pages past the catalogue load on demand: the catalogue's first render downloads only what it needs.
const OfferPage = lazy(() => import('./pages/OfferPage'));
const ParticipantPage = lazy(() => import('./pages/ParticipantPage'));
const SignInPage = lazy(() => import('./pages/SignInPage'));
const MyOffersPage = lazy(() => import('./pages/MyOffersPage'));
const EnrollPage = lazy(() => import('./pages/EnrollPage'));
const NegotiationsPage = lazy(() => import('./pages/NegotiationsPage'));
const NegotiationRoomPage = lazy(() => import('./pages/NegotiationRoomPage'));
const MyDaosPage = lazy(() => import('./pages/MyDaosPage'));
const DaoPage = lazy(() => import('./pages/DaoPage'));
const OperatorPage = lazy(() => import('./pages/OperatorPage'));

export function App() {
  const [opened, { toggle, close }] = useDisclosure();
  const { session, notice, signOut, dismissNotice } = useSession();
  const navigate = useNavigate();
  const links = [
    { to: '/', label: 'Catalogue' },
    // The operator's administrator has the operator's page; the participants' pages are not its.
    ...(session?.role === 'OPERATOR'
      ? [{ to: '/operator', label: 'Operator' }]
      : session
      ? [
          { to: '/my/offers', label: 'My offers' },
          { to: '/negotiations', label: 'Negotiations' },
          { to: '/my/daos', label: 'My DAOs' },
          { to: '/identities/new', label: 'New identity' },
        ]
      : []),
  ];
  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={opened ? 'Close navigation' : 'Open navigation'} />
            <Anchor component={Link} to="/" underline="never" c="dark">
              <Title order={1} size="h3">
                Datawell
              </Title>
            </Anchor>
          </Group>
          {session ? (
            <Group gap="xs" wrap="nowrap">
              <Text size="sm" visibleFrom="xs" data-testid="signed-in-as">
                {session.enrollmentId}@{session.mspId}
              </Text>
              <Button
                variant="outline"
                size="xs"
                onClick={() => {
                  signOut();
                  navigate('/');
                }}
              >
                Sign out
              </Button>
            </Group>
          ) : (
            <Button component={Link} to="/sign-in" size="xs">
              Sign in
            </Button>
          )}
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        {links.map((l) => (
          <NavLink key={l.to} component={RouterNavLink} to={l.to} end label={l.label} onClick={close} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Stack maw={1100} mx="auto">
          {notice && (
            <Alert color="red" variant="light" title="Signed out" withCloseButton closeButtonLabel="Dismiss" onClose={dismissNotice} role="alert" data-testid="session-notice">
              {notice}{' '}
              <Anchor component={Link} to="/sign-in" onClick={dismissNotice}>
                Sign in
              </Anchor>
            </Alert>
          )}
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route path="/" element={<CataloguePage />} />
              <Route path="/offers/:offerId" element={<OfferPage />} />
              <Route path="/participants/:mspId" element={<ParticipantPage />} />
              <Route path="/sign-in" element={<SignInPage />} />
              <Route path="/my/offers" element={<MyOffersPage />} />
              <Route path="/identities/new" element={<EnrollPage />} />
              <Route path="/negotiations" element={<NegotiationsPage />} />
              <Route path="/negotiations/:sessionId" element={<NegotiationRoomPage />} />
              <Route path="/my/daos" element={<MyDaosPage />} />
              <Route path="/my/daos/:daoId" element={<DaoPage />} />
              <Route path="/operator" element={<OperatorPage />} />
              <Route path="*" element={<Text>There is no page here. <Anchor component={Link} to="/">Back to the catalogue</Anchor></Text>} />
            </Routes>
          </Suspense>
        </Stack>
      </AppShell.Main>
    </AppShell>
  );
}
