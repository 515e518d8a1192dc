package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

type usersData struct {
	Users    []*clinic.User
	Patients []*clinic.Patient // for linking a patient's account
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderUsers(w, r, http.StatusOK, newForm())
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	users, err := s.Users.FindUsers(r.Context(), clinic.UserFilter{})
	if err != nil {
		return err
	}
	patients, _, err := s.Patients.FindPatients(r.Context(), clinic.PatientFilter{Limit: 500})
	if err != nil {
		return err
	}
	if f.Values["role"] == "" {
		f.Values["role"] = string(clinic.RoleNurse)
	}
	s.render(w, r, status, "users", &page{Title: "Users", Form: f, Data: usersData{Users: users, Patients: patients}})
	return nil
}

func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	f := newForm()
	for _, k := range []string{"login", "name", "role", "patient_id"} {
		f.Values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	u := &clinic.User{Login: f.Values["login"], Name: f.Values["name"], Role: clinic.Role(f.Values["role"])}
	var err error
	if u.Role == clinic.RolePatient {
		u.PatientID, err = strconv.ParseInt(f.Values["patient_id"], 10, 64)
		if err != nil {
			err = clinic.Invalid("patient_id", "choose the patient this account belongs to")
		}
	}
	if err == nil {
		err = s.Users.CreateUser(r.Context(), u, r.PostForm.Get("password"))
	}
	if err != nil {
		if c := clinic.ErrorCode(err); c != clinic.EINVALID && c != clinic.ECONFLICT {
			return err
		}
		f.setErr(err)
		return s.renderUsers(w, r, ErrorStatus(err), f)
	}
	http.Redirect(w, r, "/users?flash=User+"+urlQueryEscape(u.Login)+"+created.", http.StatusSeeOther)
	return nil
}

// userUpdate changes a user's role or enables/disables the account.
func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	var upd clinic.UserUpdate
	if v := r.PostForm.Get("role"); v != "" {
		role := clinic.Role(v)
		upd.Role = &role
	}
	if v := r.PostForm.Get("disabled"); v != "" {
		b := v == "true"
		upd.Disabled = &b
	}
	if _, err := s.Users.UpdateUser(r.Context(), id, upd); err != nil {
		if clinic.ErrorCode(err) != clinic.EINVALID {
			return err
		}
		f := newForm()
		f.Error = clinic.ErrorMessage(err)
		return s.renderUsers(w, r, ErrorStatus(err), f)
	}
	http.Redirect(w, r, "/users?flash=User+updated.", http.StatusSeeOther)
	return nil
}

// userPassword sets a new password for a user (an administrator's reset).
func (s *Server) userPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	if err := s.Users.SetPassword(r.Context(), id, r.PostForm.Get("current_password"), r.PostForm.Get("password")); err != nil {
		if clinic.ErrorCode(err) != clinic.EINVALID {
			return err
		}
		f := newForm()
		f.Error = clinic.ErrorMessage(err)
		return s.renderUsers(w, r, ErrorStatus(err), f)
	}
	http.Redirect(w, r, "/users?flash=Password+set.", http.StatusSeeOther)
	return nil
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.Users.FindUsers(r.Context(), clinic.UserFilter{Role: clinic.Role(r.URL.Query().Get("role"))})
	if err != nil {
		return err
	}
	if users == nil {
		users = []*clinic.User{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": users})
	return nil
}

type apiUserInput struct {
	Login     string      `json:"login"`
	Name      string      `json:"name"`
	Role      clinic.Role `json:"role"`
	PatientID int64       `json:"patient_id"`
	Password  string      `json:"password"`
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) error {
	var in apiUserInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	u := &clinic.User{Login: in.Login, Name: in.Name, Role: in.Role, PatientID: in.PatientID}
	if err := s.Users.CreateUser(r.Context(), u, in.Password); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) apiUpdateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var upd clinic.UserUpdate
	if err := decodeJSON(w, r, &upd); err != nil {
		return err
	}
	u, err := s.Users.UpdateUser(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}
